package io.teraio.core.engine;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import io.teraio.core.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves tensors between device memory and storage and keeps their state in a
 * {@code TensorTable}: {@link #offload} writes a resident tensor out and frees its device
 * memory once the write is confirmed; {@link #prefetch} reserves memory and reads it back;
 * {@link #acquire} waits until a tensor is resident, fetching it at once if it is not on its
 * way (a miss). A failed write leaves the tensor resident (training goes on); a failed read
 * is retried by the {@link IoEngine}, then reported. Thread-safe; an idempotent
 * {@link AutoCloseable} that owns its {@link IoEngine}, its {@link DeviceMemory} and, when
 * made by {@link #open}, the storage backends and run directories.
 */
public final class MigrationEngine implements AutoCloseable {
    /** {@link StallEvent}'s SSD for a tensor with no storage place ({@link TensorEvent#ssd}). */
    private static final int STALL_IN_DEVICE = -3;
    private static final Logger LOG = LoggerFactory.getLogger(MigrationEngine.class);
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final IoEngine io;
    private final DeviceMemory memory;
    private final List<AutoCloseable> owned;
    private final TensorTable tensors = new TensorTable();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean writeFailureLogged = new AtomicBoolean();

    private final LongAdder offloads = new LongAdder();
    private final LongAdder prefetches = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stallNs = new LongAdder();
    private final LongAdder failedWrites = new LongAdder();
    private final LongAdder failedReads = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder bytesToSsd = new LongAdder();
    private final LongAdder bytesFromSsd = new LongAdder();
    private final LongAdder bytesToHost = new LongAdder();
    private final LongAdder bytesFromHost = new LongAdder();
    private final LongAdder copiesReused = new LongAdder();
    private final LongAdder copyBytesReused = new LongAdder();
    /** Copies {@link #freeKeepingCopy} handed out and not yet registered again or released. */
    private final Set<Placement> heldCopies = ConcurrentHashMap.newKeySet();

    /**
     * Opens the engine a configuration describes: for each of {@code dirs} (SSD {@code i} is
     * the {@code i}-th) a {@link RunDirectory} (stale ones from crashed runs removed) with a
     * {@link PosixStorageBackend}; a {@link HostStorageBackend} of {@code hostMemory} (none when
     * it is 0); the device memory {@code memory} names, of {@code deviceMemory} bytes. The SSD
     * backend is chosen by {@link BackendSelection} (cuFile through a {@code ServiceLoader}
     * provider, else O_DIRECT files). Logs the effective configuration and the chosen backend
     * with the reason, once.
     *
     * @throws TeraioException  for {@code backend=gds} or {@code memory=cuda} when they cannot
     *                          be had (with the reason), or a directory that cannot hold a run
     *                          directory
     * @throws StorageException when an SSD file cannot be opened with O_DIRECT or preallocated
     */
    public static MigrationEngine open(TeraioConfig config) {
        return open(config, null);
    }

    /**
     * As {@link #open(TeraioConfig)}, with {@code memory} as the device memory instead of the
     * one {@code config} names (null: that one). The engine owns it from now on: it is closed
     * with the engine, or at once when opening fails.
     */
    public static MigrationEngine open(TeraioConfig config, DeviceMemory memory) {
        Objects.requireNonNull(config, "config");
        StringBuilder effective = new StringBuilder();
        config.describe().forEach((k, v) -> effective.append(effective.length() == 0 ? "" : " ").append(k)
                .append('=').append(v));
        LOG.info("teraio configuration: {}", effective);
        List<AutoCloseable> owned = new ArrayList<>();
        if (memory != null) {
            owned.add(memory);
        }
        try {
            BackendSelection.Choice choice = BackendSelection.choose(config);
            LOG.info(choice.reason());
            if (memory == null) {
                // first: memory=cuda without a device fails here, with its own reason
                memory = BackendSelection.openMemory(config);
                owned.add(memory);
            }
            List<StorageBackend> ssds = new ArrayList<>();
            for (int i = 0; i < config.dirs().size(); i++) {
                RunDirectory run = RunDirectory.create(config.dirs().get(i));
                owned.add(run);
                StorageBackend ssd = choice.provider() == null
                        ? new PosixStorageBackend(run, i, config.preallocateBytes())
                        : choice.provider().open(run, i, config);
                owned.add(ssd);
                ssds.add(ssd);
            }
            StorageBackend host = null;
            if (config.hostMemoryBytes() > 0) {
                host = new HostStorageBackend(config.hostMemoryBytes());
                owned.add(host);
            }
            IoEngine io = new IoEngine(ssds, host, config);
            owned.remove(memory);
            return new MigrationEngine(io, memory, owned);
        } catch (RuntimeException e) {
            List<RuntimeException> errors = new ArrayList<>();
            for (int i = owned.size() - 1; i >= 0; i--) {
                closeQuietly(owned.get(i), errors);
            }
            errors.forEach(e::addSuppressed);
            throw e;
        }
    }

    /** For tests and custom wiring: takes ownership of {@code io} and {@code memory}. */
    public MigrationEngine(IoEngine io, DeviceMemory memory) {
        this(io, memory, List.of());
    }

    private MigrationEngine(IoEngine io, DeviceMemory memory, List<AutoCloseable> owned) {
        this.io = Objects.requireNonNull(io, "io");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.owned = List.copyOf(owned);
    }

    public IoEngine io() {
        return io;
    }

    public DeviceMemory memory() {
        return memory;
    }

    TensorTable tensors() {
        return tensors;
    }

    /**
     * Adds a resident tensor.
     *
     * @throws IllegalArgumentException when the key is already registered or the buffer closed
     */
    public void register(String key, DeviceBuffer buffer) {
        register(key, buffer, null);
    }

    /**
     * Adds a resident tensor whose memory a framework owns (the DJL agent's tensors): a prefetch
     * or a miss reads it back into a buffer {@code landing} makes, on the thread that issues it,
     * instead of one of this engine's {@link #memory()}, which then does not count it; keeping
     * the budget is the owner's. With {@code landing} null, as {@link #register(String, DeviceBuffer)}.
     *
     * @throws IllegalArgumentException when the key is already registered or the buffer closed
     */
    public void register(String key, DeviceBuffer buffer, Supplier<DeviceBuffer> landing) {
        add(key, buffer, landing, false, null);
    }

    /**
     * As {@link #register(String, DeviceBuffer, Supplier)}, for a tensor whose owner can tell
     * whether its bytes changed (the DJL agent, by libtorch's version counters): a read keeps
     * the placement it read as the tensor's copy on storage, which {@link #freeKeepingCopy}
     * hands back instead of releasing. {@code copy}, when not null, is such a copy that the
     * caller vouches holds the bytes {@code buffer} has now: the next offload takes it instead
     * of writing (when it goes to the same tier, SSDs or the host, as the copy is on). A copy
     * this engine released meanwhile to make room is ignored.
     *
     * @throws IllegalArgumentException when the key is already registered or the buffer closed
     */
    public void registerWithCopy(String key, DeviceBuffer buffer, Supplier<DeviceBuffer> landing, Placement copy) {
        add(key, buffer, landing, true, copy);
    }

    private void add(String key, DeviceBuffer buffer, Supplier<DeviceBuffer> landing, boolean keepsCopy,
                     Placement copy) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(buffer, "buffer");
        checkOpen();
        if (buffer.isClosed()) {
            throw new IllegalArgumentException("register of tensor '" + key + "': its buffer is closed");
        }
        TensorTable.Entry e = new TensorTable.Entry(key, buffer, landing);
        e.keepsCopy = keepsCopy;
        if (copy != null && heldCopies.remove(copy)) {
            if (copy.bytes() != e.bytes) {
                releaseQuietly(copy);
                throw new IllegalArgumentException("register of tensor '" + key + "': its copy has "
                        + copy.bytes() + " bytes, the tensor " + e.bytes);
            }
            e.copy = copy;
            e.copyVouched = true;
        }
        if (!tensors.add(e)) {
            if (e.copy != null) {
                heldCopies.add(e.copy);
            }
            throw new IllegalArgumentException("register of tensor '" + key + "': the key is already registered");
        }
    }

    /** The tensor's state, or {@code null} for a key that is not registered. */
    public TensorState state(String key) {
        return tensors.state(key);
    }

    /**
     * Writes a RESIDENT tensor to {@code target} (an SSD id, {@link IoEngine#HOST}, or
     * {@link IoEngine#ANY_SSD} to stripe it over every SSD); its
     * device memory is freed when the write completes. A tensor registered with a vouched copy
     * on the same tier ({@link #registerWithCopy}) is not written: it is OFFLOADED to that copy
     * and its memory freed at once. Completes with the tensor's bytes; with
     * 0 when the tensor is not RESIDENT (counted as skipped) or when the allocation or the
     * write failed (the tensor stays RESIDENT, the failure is logged and counted).
     */
    public CompletableFuture<Long> offload(String key, int target, boolean urgent) {
        checkOpen();
        TensorTable.Entry e = tensors.get(key);
        if (e == null) {
            return skip();
        }
        CompletableFuture<Long> done = new CompletableFuture<>();
        CompletableFuture<Long> write;
        Placement placement;
        OffloadEvent event = new OffloadEvent();
        DeviceBuffer reused = null;
        synchronized (e) {
            if (e.state != TensorState.RESIDENT || e.freeing) {
                return skip();
            }
            event.begin();
            Placement copy = e.copy;
            if (copy != null) {
                e.copy = null;
                if (e.copyVouched && (copy.target() == IoEngine.HOST) == (target == IoEngine.HOST)) {
                    e.state = TensorState.OFFLOADED;
                    e.placement = copy;
                    reused = e.buffer;
                    e.buffer = null;
                } else {
                    releaseQuietly(copy); // a read's copy, or on the other tier: the tensor is written
                }
                e.copyVouched = false;
            }
            if (reused == null) {
                try {
                    placement = allocate(e.bytes, target);
                } catch (StorageException ex) {
                    writeFailed(e, target, ex);
                    event.finish(key, e.bytes, target, urgent, false);
                    return CompletableFuture.completedFuture(0L);
                }
                e.state = TensorState.OFFLOADING;
                e.placement = placement;
                e.keepResident = false;
                e.pending = done;
                try {
                    write = io.write(key, placement, e.buffer, urgent);
                } catch (RuntimeException ex) {
                    e.state = TensorState.RESIDENT;
                    e.placement = null;
                    e.pending = null;
                    io.release(placement);
                    throw ex;
                }
            } else {
                placement = null;
                write = null;
            }
        }
        if (reused != null) {
            reused.close();
            offloads.increment();
            copiesReused.increment();
            copyBytesReused.add(e.bytes);
            event.finish(key, e.bytes, target, urgent, true);
            return CompletableFuture.completedFuture(e.bytes);
        }
        write.whenComplete((bytes, error) -> offloadDone(e, target, placement, error, done, event, urgent));
        return done;
    }

    /** Space for a write; when there is none, the copies handed out for reuse are released and it is tried once more. */
    private Placement allocate(long bytes, int target) {
        try {
            return io.allocate(bytes, target);
        } catch (StorageException ex) {
            int released = 0;
            for (Placement copy : heldCopies) {
                if (heldCopies.remove(copy)) {
                    releaseQuietly(copy);
                    released++;
                }
            }
            if (released == 0) {
                throw ex;
            }
            LOG.debug("no space for {} bytes: released {} copies kept for reuse, trying again", bytes, released);
            return io.allocate(bytes, target);
        }
    }

    /**
     * Reads an OFFLOADED tensor back: reserves its bytes of device memory (after earlier
     * reservations; or takes the buffer its registration's {@code landing} makes), reads, and
     * makes it RESIDENT with the new buffer, releasing its storage (keeping it as the tensor's
     * copy when registered {@link #registerWithCopy with one}).
     * Completes with the bytes read; with 0 when the tensor is not OFFLOADED (counted as
     * skipped); exceptionally with the {@link StorageException} when the read fails (the
     * tensor stays OFFLOADED, so {@link #acquire} tries once more).
     */
    public CompletableFuture<Long> prefetch(String key, boolean urgent) {
        checkOpen();
        TensorTable.Entry e = tensors.get(key);
        if (e == null) {
            return skip();
        }
        CompletableFuture<Long> done = new CompletableFuture<>();
        Placement placement;
        synchronized (e) {
            if (e.state != TensorState.OFFLOADED || e.freeing) {
                return skip();
            }
            e.state = TensorState.PREFETCHING;
            e.pending = done;
            placement = e.placement;
        }
        PrefetchEvent event = new PrefetchEvent();
        event.begin();
        // outside the entry's monitor: the memory may hand the buffer out on this thread
        CompletableFuture<DeviceBuffer> reservation;
        try {
            reservation = e.landing != null ? CompletableFuture.completedFuture(landing(e)) : memory.reserve(e.bytes);
        } catch (RuntimeException ex) {
            reservation = CompletableFuture.failedFuture(ex);
        }
        boolean withdraw;
        synchronized (e) {
            if (e.pending == done) {
                e.reservation = reservation;
            }
            withdraw = e.freeing;
        }
        if (withdraw) {
            reservation.cancel(false);
        }
        AtomicReference<DeviceBuffer> buffer = new AtomicReference<>();
        reservation.thenCompose(b -> {
            buffer.set(b);
            return io.read(key, placement, b, urgent);
        }).whenComplete((bytes, error) -> fetchDone(e, placement, buffer.get(), error, done, false, event, urgent));
        return done;
    }

    /**
     * The tensor's buffer once it is resident: an OFFLOADING tensor is kept resident (its
     * write is waited for, then its storage released); a PREFETCHING one is waited for; an
     * OFFLOADED one is fetched at once, urgently (a miss). Time waited is added to
     * {@link EngineStats#stallNs()}. The buffer stays this tensor's until it is offloaded or
     * freed: the caller (the compute stream) must not let either happen while it uses it.
     *
     * @throws StorageException         when the read fails (naming the tensor, file, offset and errno)
     * @throws IllegalArgumentException for a key that is not registered
     * @throws TeraioException          when interrupted while waiting
     */
    public DeviceBuffer acquire(String key) {
        checkOpen();
        TensorTable.Entry e = require("acquire", key);
        long start = System.nanoTime();
        boolean waited = false;
        StallEvent stall = null;
        try {
            while (true) {
                CompletableFuture<Long> wait;
                Placement missed = null;
                TensorState was;
                int where;
                synchronized (e) {
                    was = e.state;
                    where = e.placement == null ? STALL_IN_DEVICE : e.placement.target();
                    if (e.freeing) {
                        throw new IllegalArgumentException("acquire of tensor '" + key + "': it was freed");
                    }
                    switch (e.state) {
                        case RESIDENT:
                            return e.buffer;
                        case OFFLOADING:
                            e.keepResident = true;
                            wait = e.pending;
                            break;
                        case PREFETCHING:
                            wait = e.pending;
                            break;
                        case OFFLOADED:
                            wait = new CompletableFuture<>();
                            e.state = TensorState.PREFETCHING;
                            e.pending = wait;
                            missed = e.placement;
                            break;
                        default:
                            throw new IllegalStateException("tensor '" + key + "' in state " + e.state);
                    }
                }
                waited = true;
                if (stall == null) {
                    stall = new StallEvent();
                    stall.begin();
                    stall.waitedFor = was == TensorState.OFFLOADING ? "offload" : missed != null ? "miss" : "prefetch";
                    stall.ssd = where;
                }
                if (missed != null) {
                    misses.increment();
                    fetch(e, missed, wait);
                    Futures.join(wait, "acquire of tensor '" + key + "'");
                } else {
                    // a failed offload leaves it resident, a failed prefetch offloaded: look again
                    Futures.awaitQuietly(wait, "acquire of tensor '" + key + "'");
                }
            }
        } finally {
            if (waited) {
                stallNs.add(System.nanoTime() - start);
            }
            if (stall != null) {
                stall.end();
                if (stall.shouldCommit()) {
                    stall.key = key;
                    stall.bytes = e.bytes;
                    stall.commit();
                }
            }
        }
    }

    /**
     * Training freed the tensor: the key is forgotten at once (it may be registered again), and
     * the tensor's device buffer and storage are freed now, or, when it has I/O in flight (an
     * offload after its last use, say), as soon as that completes: the compute stream never
     * waits for the bytes of a dead tensor.
     *
     * @throws IllegalArgumentException for a key that is not registered
     */
    public void free(String key) {
        free(key, false);
    }

    /**
     * As {@link #free}, for a tensor registered {@link #registerWithCopy with a copy}: returns
     * the placement that holds the bytes its buffer has, instead of releasing it: the copy its
     * last read kept (RESIDENT), or where it was written (OFFLOADED: for an owner that still has
     * the bytes the write took); null when there is none (its I/O in flight, say). The caller
     * holds it: it passes it to a later {@link #registerWithCopy} of the same bytes or gives it
     * back with {@link #releaseCopy}; when a write finds no space, held copies are released.
     *
     * @throws IllegalArgumentException for a key that is not registered
     */
    public Placement freeKeepingCopy(String key) {
        return free(key, true);
    }

    /** Gives back a copy {@link #freeKeepingCopy} handed out (nothing when it was released meanwhile, or null). */
    public void releaseCopy(Placement copy) {
        if (copy != null && heldCopies.remove(copy)) {
            releaseQuietly(copy);
        }
    }

    private Placement free(String key, boolean keepCopy) {
        checkOpen();
        TensorTable.Entry e = require("free", key);
        CompletableFuture<DeviceBuffer> reservation;
        CompletableFuture<Long> pending;
        Placement copy = null;
        synchronized (e) {
            if (e.freeing) {
                throw new IllegalArgumentException("free of tensor '" + key + "': it is already being freed");
            }
            e.freeing = true;
            reservation = e.reservation;
            pending = e.pending;
            if (keepCopy && e.keepsCopy && pending == null) {
                if (e.state == TensorState.RESIDENT) {
                    copy = e.copy;
                    e.copy = null;
                } else if (e.state == TensorState.OFFLOADED) {
                    copy = e.placement;
                    e.placement = null;
                }
            }
        }
        if (copy != null) {
            heldCopies.add(copy);
        }
        tensors.remove(e);
        if (reservation != null) {
            reservation.cancel(false);
        }
        if (pending == null) {
            releaseFreed(e);
        } else {
            pending.whenComplete((bytes, error) -> releaseFreed(e));
        }
        return copy;
    }

    /** Frees a freed tensor's buffer and storage, once its I/O is over. */
    private void releaseFreed(TensorTable.Entry e) {
        DeviceBuffer buffer;
        Placement placement;
        Placement copy;
        synchronized (e) {
            buffer = e.buffer;
            placement = e.placement;
            copy = e.copy;
            e.buffer = null;
            e.placement = null;
            e.copy = null;
        }
        if (buffer != null) {
            buffer.close();
        }
        if (placement != null) {
            releaseQuietly(placement);
        }
        if (copy != null) {
            releaseQuietly(copy);
        }
    }

    public EngineStats stats() {
        return new EngineStats(offloads.sum(), prefetches.sum(), misses.sum(), stallNs.sum(), failedWrites.sum(),
                failedReads.sum(), skipped.sum(), io.stats().crcMismatches(), bytesToSsd.sum(), bytesFromSsd.sum(),
                bytesToHost.sum(), bytesFromHost.sum(), copiesReused.sum(), copyBytesReused.sum());
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Cancels waiting prefetches; closes the I/O engine (queued requests are cancelled, running
     * ones finish) and the memory (waiting allocations and reservations fail); waits for what
     * is still completing; frees every tensor's buffer and forgets the tensors; then closes
     * what {@link #open} made (backends, then run directories, which deletes them).
     * Idempotent; later calls of any other method throw {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (TensorTable.Entry e : tensors.entries()) {
            CompletableFuture<DeviceBuffer> reservation;
            synchronized (e) {
                reservation = e.reservation;
            }
            if (reservation != null) {
                reservation.cancel(false);
            }
        }
        List<RuntimeException> errors = new ArrayList<>();
        closeQuietly(io, errors);
        // fails waiting reservations and wakes a miss waiting for memory; live buffers stay usable
        closeQuietly(memory, errors);
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        for (TensorTable.Entry e : tensors.entries()) {
            CompletableFuture<Long> wait;
            synchronized (e) {
                wait = e.pending;
            }
            if (wait != null) {
                try {
                    wait.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException | CancellationException ignored) {
                    // the tensor's state says what is left to free
                } catch (TimeoutException ex) {
                    LOG.warn("close: tensor '{}' still has I/O in flight; its buffer is not freed", e.key);
                    continue;
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            freeIdle(e);
            tensors.remove(e);
        }
        heldCopies.clear(); // their space goes with the backends' files
        for (int i = owned.size() - 1; i >= 0; i--) {
            closeQuietly(owned.get(i), errors);
        }
        if (!errors.isEmpty()) {
            RuntimeException first = errors.get(0);
            errors.subList(1, errors.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /** Frees the tensor's buffer unless it has I/O in flight. */
    private static void freeIdle(TensorTable.Entry e) {
        DeviceBuffer buffer;
        synchronized (e) {
            if (e.pending != null) {
                return;
            }
            buffer = e.buffer;
            e.buffer = null;
            e.placement = null;
            e.copy = null;
        }
        if (buffer != null) {
            buffer.close();
        }
    }

    /** The buffer the owner of {@code e}'s memory makes for its bytes to come back into. */
    private static DeviceBuffer landing(TensorTable.Entry e) {
        DeviceBuffer buffer = e.landing.get();
        if (buffer.bytes() != e.bytes) {
            buffer.close();
            throw new IllegalStateException("tensor '" + e.key + "': its landing buffer has " + buffer.bytes()
                    + " bytes, the tensor " + e.bytes);
        }
        return buffer;
    }

    /** Reads a tensor back into a buffer allocated now, ahead of waiting prefetches (a miss). */
    private void fetch(TensorTable.Entry e, Placement placement, CompletableFuture<Long> done) {
        MissEvent event = new MissEvent();
        event.begin();
        DeviceBuffer buffer = null;
        CompletableFuture<Long> read;
        try {
            buffer = e.landing != null ? landing(e) : memory.allocate(e.bytes, Long.MAX_VALUE);
            read = io.read(e.key, placement, buffer, true);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            read = CompletableFuture.failedFuture(new TeraioException("acquire of tensor '" + e.key
                    + "' was interrupted while waiting for " + Units.formatBytes(e.bytes) + " of device memory", ex));
        } catch (RuntimeException ex) {
            read = CompletableFuture.failedFuture(ex);
        }
        DeviceBuffer target = buffer;
        read.whenComplete((bytes, error) -> fetchDone(e, placement, target, error, done, true, event, true));
    }

    private void offloadDone(TensorTable.Entry e, int target, Placement placement, Throwable error,
                             CompletableFuture<Long> done, OffloadEvent event, boolean urgent) {
        Throwable cause = Futures.unwrap(error);
        DeviceBuffer toFree = null;
        boolean release;
        synchronized (e) {
            e.pending = null;
            release = error != null || e.keepResident;
            if (release) {
                e.state = TensorState.RESIDENT;
                e.placement = null;
            } else {
                e.state = TensorState.OFFLOADED;
                toFree = e.buffer;
                e.buffer = null;
            }
            e.keepResident = false;
        }
        if (release) {
            releaseQuietly(placement);
        }
        if (toFree != null) {
            toFree.close();
        }
        event.finish(e.key, e.bytes, target, urgent, !release);
        if (error == null) {
            offloads.increment();
            (target == IoEngine.HOST ? bytesToHost : bytesToSsd).add(e.bytes);
            done.complete(e.bytes);
            return;
        }
        if (!(cause instanceof CancellationException)) {
            writeFailed(e, target, cause);
        }
        done.complete(0L);
    }

    private void fetchDone(TensorTable.Entry e, Placement placement, DeviceBuffer buffer, Throwable error,
                           CompletableFuture<Long> done, boolean miss, TensorIoEvent event, boolean urgent) {
        Throwable cause = Futures.unwrap(error);
        event.finish(e.key, e.bytes, placement.target(), urgent, error == null);
        boolean kept = false;
        synchronized (e) {
            e.pending = null;
            e.reservation = null;
            if (error == null) {
                e.state = TensorState.RESIDENT;
                e.buffer = buffer;
                e.placement = null;
                if (e.keepsCopy) {
                    e.copy = placement;
                    e.copyVouched = false;
                    kept = true;
                }
            } else {
                e.state = TensorState.OFFLOADED;
            }
        }
        if (error == null) {
            if (!kept) {
                releaseQuietly(placement);
            }
            if (!miss) {
                prefetches.increment();
            }
            (placement.target() == IoEngine.HOST ? bytesFromHost : bytesFromSsd).add(e.bytes);
            done.complete(e.bytes);
            return;
        }
        if (buffer != null) {
            buffer.close();
        }
        if (!(cause instanceof CancellationException)) {
            failedReads.increment();
            LOG.debug("{} of tensor '{}' failed: {}", miss ? "fetch" : "prefetch", e.key, cause.getMessage());
        }
        done.completeExceptionally(cause);
    }

    /** An offload or prefetch that does not apply: counted, completed with 0. */
    private CompletableFuture<Long> skip() {
        skipped.increment();
        return CompletableFuture.completedFuture(0L);
    }

    private void writeFailed(TensorTable.Entry e, int target, Throwable cause) {
        failedWrites.increment();
        String where = target == IoEngine.HOST ? "host" : target == IoEngine.ANY_SSD ? "any SSD" : "ssd" + target;
        String message = "offload of tensor '" + e.key + "' (" + Units.formatBytes(e.bytes) + ") to " + where
                + " failed; it stays in device memory and training goes on: " + cause.getMessage();
        if (writeFailureLogged.compareAndSet(false, true)) {
            LOG.warn("{} (later offload failures are logged at debug level)", message);
        } else {
            LOG.debug(message);
        }
    }

    private void releaseQuietly(Placement placement) {
        if (io.isClosed()) {
            return; // the backends' space goes with their files
        }
        try {
            io.release(placement);
        } catch (RuntimeException ex) {
            LOG.warn("could not release {}: {}", placement, ex.getMessage());
        }
    }

    private TensorTable.Entry require(String operation, String key) {
        Objects.requireNonNull(key, "key");
        TensorTable.Entry e = tensors.get(key);
        if (e == null) {
            throw new IllegalArgumentException(operation + " of tensor '" + key + "': no such tensor is registered");
        }
        return e;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("migration engine used after close");
        }
    }

    private static void closeQuietly(AutoCloseable resource, List<RuntimeException> errors) {
        try {
            resource.close();
        } catch (RuntimeException ex) {
            errors.add(ex);
        } catch (Exception ex) {
            errors.add(new TeraioException("close of " + resource + " failed: " + ex.getMessage(), ex));
        }
    }
}
