package io.teraio.core.engine;

import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.internal.storage.NativeBlock;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.Errno;
import io.teraio.core.storage.Extent;
import io.teraio.core.storage.StorageBackend;
import io.teraio.core.storage.StorageException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves tensor bytes between {@link DeviceBuffer}s and {@link StorageBackend}s, overlapped
 * with compute. Each SSD, and the host tier, is a lane: a queue of tasks (urgent first, then
 * in the order they came), {@code threads} daemon workers ({@code teraio-io-ssd0-0}) and at
 * most {@code queueDepth} tasks in flight. A request is split into tasks of
 * {@code taskSize} bytes; a task goes straight from or into the device buffer when its
 * {@link DeviceBuffer#hostView host view} is aligned for the backend, straight from device
 * memory when the backend {@link StorageBackend#movesDirectly moves it itself} (cuFile; not
 * with verify), else through an aligned staging buffer from the lane's {@code BufferPool}
 * of {@code stagingBuffers} task-size buffers (zero-padded on write): a tensor in memory that
 * is not aligned (a framework's own tensor, say) streams through those few buffers, never a
 * copy of its own size. With
 * {@code verify}, the CRC32C of each task's bytes is recorded in the {@link Placement} on
 * write and checked on read. With {@code io.skipZeros} (the default) a task whose bytes are all
 * zero (a gradient just zeroed, say) is neither written nor read: the placement records it, and
 * the read fills the task with zeros; a scan that stops at the first non-zero word decides it,
 * so data with a non-zero word near each task's start costs next to nothing.
 *
 * <p>Every request returns a {@code CompletableFuture<Long>} of the bytes moved that
 * completes after the last of its tasks has finished (a failed task makes the request's
 * unstarted tasks skip). Cancelling that future skips the tasks not yet started; it does not
 * stop the ones running, so a caller must not free the buffer before they end. Futures
 * complete on the engine's workers: callbacks attached to them must not block. The engine
 * does not own the backends (one backend may serve engines opened one after another, as a
 * benchmark sweep does): close them after the engine. Thread-safe; an idempotent
 * {@link AutoCloseable}.
 */
public final class IoEngine implements AutoCloseable {
    /** Target: the host tier. */
    public static final int HOST = -1;
    /** Target: striped over every SSD. */
    public static final int ANY_SSD = -2;

    private static final Logger LOG = LoggerFactory.getLogger(IoEngine.class);
    private static final int MAX_TASK_BYTES = 1 << 30;
    private static final byte[] ZEROS = new byte[NativeBlock.ALIGNMENT];
    /** Zeros to compare tasks with and fill them from: read-only, shared by every lane. */
    private static final ByteBuffer ZERO_WORDS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();
    private static final Comparator<Task> ORDER = Comparator.comparing((Task t) -> !t.stop)
            .thenComparing(t -> !t.urgent).thenComparingLong(t -> t.sequence);

    private final List<Lane> lanes = new ArrayList<>();
    private final Lane hostLane;
    private final int ssdCount;
    private final long taskSizeBytes;
    private final int queueDepth;
    private final int threads;
    private final int stagingBuffers;
    private final int readRetries;
    private final boolean verify;
    private final boolean skipZeros;
    private final Object submitLock = new Object();
    private long sequence;
    private volatile boolean closed;

    private final LongAdder ssdBytesWritten = new LongAdder();
    private final LongAdder ssdBytesRead = new LongAdder();
    private final LongAdder hostBytesWritten = new LongAdder();
    private final LongAdder hostBytesRead = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder reads = new LongAdder();
    private final LongAdder tasks = new LongAdder();
    private final LongAdder bouncedTasks = new LongAdder();
    private final LongAdder failedWrites = new LongAdder();
    private final LongAdder failedReads = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder crcMismatches = new LongAdder();
    private final LongAdder zeroBytesSkipped = new LongAdder();

    /**
     * Starts the workers.
     *
     * @param ssds   SSD {@code i} is {@code ssds.get(i)}
     * @param host   the host tier, or {@code null} for none
     * @param config taskSizeBytes, queueDepth, threads, stagingBuffers, readRetries, skipZeros and verify are used
     * @throws IllegalArgumentException when the task size is not a multiple of a backend's
     *                                  alignment or over 1 GiB
     */
    public IoEngine(List<StorageBackend> ssds, StorageBackend host, TeraioConfig config) {
        Objects.requireNonNull(ssds, "ssds");
        Objects.requireNonNull(config, "config");
        this.taskSizeBytes = config.taskSizeBytes();
        this.queueDepth = config.queueDepth();
        this.threads = config.threads();
        this.stagingBuffers = config.stagingBuffers();
        this.readRetries = config.readRetries();
        this.verify = config.verify();
        this.skipZeros = config.skipZeros();
        if (taskSizeBytes <= 0 || taskSizeBytes > MAX_TASK_BYTES || queueDepth < 1 || threads < 1
                || stagingBuffers < 1 || readRetries < 0) {
            throw new IllegalArgumentException("I/O engine: taskSize " + taskSizeBytes + " must be in (0, 1 GiB],"
                    + " queueDepth " + queueDepth + ", threads " + threads + " and stagingBuffers " + stagingBuffers
                    + " at least 1, readRetries " + readRetries + " not negative");
        }
        this.ssdCount = ssds.size();
        List<StorageBackend> all = new ArrayList<>(ssds);
        if (host != null) {
            all.add(host);
        }
        for (int i = 0; i < all.size(); i++) {
            StorageBackend backend = Objects.requireNonNull(all.get(i), "ssds.get(" + i + ")");
            String name = i < ssdCount ? "ssd" + i : "host";
            if (taskSizeBytes % backend.alignment() != 0) {
                throw new IllegalArgumentException("I/O engine: taskSize " + taskSizeBytes + " is not a multiple of "
                        + name + "'s alignment " + backend.alignment() + " (" + backend.location() + ")");
            }
            lanes.add(new Lane(i, name, backend, i < ssdCount));
        }
        this.hostLane = host != null ? lanes.get(ssdCount) : null;
        for (Lane lane : lanes) {
            lane.start();
        }
        LOG.debug("I/O engine: {} SSD lane(s){}, tasks of {}, queue depth {}, {} thread(s) per lane, {} read "
                        + "retries, verify {}", ssdCount, host != null ? " and the host tier" : "",
                Units.formatBytes(taskSizeBytes), queueDepth, threads, readRetries, verify);
    }

    /** The number of SSDs (SSD ids are 0 to {@code ssdCount() - 1}). */
    public int ssdCount() {
        return ssdCount;
    }

    /** Whether there is a host tier ({@link #HOST} is a valid target). */
    public boolean hasHost() {
        return hostLane != null;
    }

    /** The task size requests are split into. */
    public long taskSizeBytes() {
        return taskSizeBytes;
    }

    /**
     * Reserves space for {@code bytes} on a target: an SSD id, {@link #HOST}, or
     * {@link #ANY_SSD} (tasks of taskSize striped round-robin over all SSDs, each SSD's share
     * in one extent so that it is sequential).
     *
     * @throws StorageException         (ENOSPC) when the space cannot be had; nothing stays allocated
     * @throws IllegalArgumentException for a negative size or a target that does not exist
     */
    public Placement allocate(long bytes, int target) {
        checkOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException("allocate: bytes must not be negative, got " + bytes);
        }
        Placement.Segment[] stripes;
        if (target == ANY_SSD) {
            if (ssdCount == 0) {
                throw new IllegalArgumentException("allocate of " + Units.formatBytes(bytes)
                        + " on any SSD: the engine has no SSDs");
            }
            long fullTasks = bytes / taskSizeBytes;
            long rest = bytes % taskSizeBytes;
            long[] shares = new long[ssdCount];
            for (int k = 0; k < ssdCount; k++) {
                long tasksOnK = fullTasks / ssdCount + (k < fullTasks % ssdCount ? 1 : 0);
                shares[k] = tasksOnK * taskSizeBytes + (rest > 0 && fullTasks % ssdCount == k ? rest : 0);
            }
            stripes = allocateStripes(shares);
        } else {
            Lane lane = lane(target);
            stripes = allocateStripes(new long[] {bytes}, lane);
        }
        return new Placement(this, bytes, target, taskSizeBytes, stripes);
    }

    /**
     * Writes {@code src[0, placement.bytes())} to the placement.
     *
     * @param label  the tensor key, named in error messages
     * @param urgent served before non-urgent tasks on the same lane
     * @return the bytes written, or exceptionally a {@link StorageException} naming the label,
     *         the file, the offset and the errno ({@link CancellationException} when the engine
     *         closed first)
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<Long> write(String label, Placement placement, DeviceBuffer src, boolean urgent) {
        return submit(label, placement, src, true, urgent);
    }

    /**
     * Reads the placement back into {@code dst[0, placement.bytes())}. A failed task is
     * retried {@code readRetries} times, then the request fails with a
     * {@link StorageException} naming the label, the file, the offset and the errno. With
     * verify, each task's CRC32C is checked against the one recorded by the last write; a
     * mismatch fails with {@link CrcMismatchException}.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<Long> read(String label, Placement placement, DeviceBuffer dst, boolean urgent) {
        return submit(label, placement, dst, false, urgent);
    }

    /** Gives the placement's space back; idempotent per placement. Its I/O must have ended. */
    public void release(Placement placement) {
        checkOwner(placement);
        if (placement.markReleased()) {
            for (Placement.Segment s : placement.segments()) {
                s.backend().release(s.extent());
            }
        }
    }

    /**
     * Each lane's bytes and busy time so far: the SSDs in id order, then the host tier if there
     * is one. A lane is busy from when a task starts until no task is in flight; a snapshot
     * counts a busy period still going on up to now.
     */
    public List<LaneStats> laneStats() {
        List<LaneStats> all = new ArrayList<>(lanes.size());
        for (Lane lane : lanes) {
            all.add(lane.stats());
        }
        return all;
    }

    /** What has been moved so far. */
    public IoStats stats() {
        return new IoStats(ssdBytesWritten.sum(), ssdBytesRead.sum(), hostBytesWritten.sum(), hostBytesRead.sum(),
                writes.sum(), reads.sum(), tasks.sum(), bouncedTasks.sum(), failedWrites.sum(), failedReads.sum(),
                retries.sum(), crcMismatches.sum(), zeroBytesSkipped.sum());
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the workers: queued requests fail with {@link CancellationException}, tasks
     * running finish, then the workers are joined and the bounce buffers freed. Idempotent.
     */
    @Override
    public void close() {
        synchronized (submitLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Lane lane : lanes) {
            List<Task> queued = new ArrayList<>();
            lane.queue.drainTo(queued);
            for (Task t : queued) {
                t.request.taskDone(new CancellationException("I/O engine closed before the " + t.request.what()
                        + " of tensor '" + t.request.label + "' ran"));
            }
            for (int i = 0; i < threads; i++) {
                lane.queue.add(new Task(null, -1, 0, false, true));
            }
        }
        for (Lane lane : lanes) {
            lane.join();
            lane.bounce.close();
        }
    }

    private Placement.Segment[] allocateStripes(long[] shares) {
        return allocateStripes(shares, null);
    }

    /** One extent per share (lane {@code k} for share {@code k}, or {@code only}); all or nothing. */
    private Placement.Segment[] allocateStripes(long[] shares, Lane only) {
        Placement.Segment[] stripes = new Placement.Segment[shares.length];
        try {
            for (int k = 0; k < shares.length; k++) {
                if (shares[k] > 0) {
                    Lane lane = only != null ? only : lanes.get(k);
                    stripes[k] = new Placement.Segment(lane.index, lane.name, lane.backend,
                            lane.backend.allocate(shares[k]));
                }
            }
            return stripes;
        } catch (RuntimeException e) {
            for (Placement.Segment s : stripes) {
                if (s != null) {
                    try {
                        s.backend().release(s.extent());
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        }
    }

    private Lane lane(int target) {
        if (target == HOST) {
            if (hostLane == null) {
                throw new IllegalArgumentException("target host: the engine has no host tier");
            }
            return hostLane;
        }
        if (target < 0 || target >= ssdCount) {
            throw new IllegalArgumentException("target " + target + " is not an SSD id (0 to " + (ssdCount - 1)
                    + "), HOST (-1) or ANY_SSD (-2)");
        }
        return lanes.get(target);
    }

    private CompletableFuture<Long> submit(String label, Placement placement, DeviceBuffer buffer, boolean write,
                                           boolean urgent) {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(buffer, "buffer");
        checkOwner(placement);
        String op = write ? "write" : "read";
        if (placement.isReleased()) {
            throw new IllegalStateException(op + " of tensor '" + label + "': its placement was released");
        }
        if (buffer.bytes() < placement.bytes()) {
            throw new IllegalArgumentException(op + " of tensor '" + label + "': the buffer holds "
                    + buffer.bytes() + " bytes, the placement " + placement.bytes());
        }
        int count = placement.tasks();
        Request request = new Request(label, placement, buffer, write, count);
        if (count == 0) {
            checkOpen();
            request.future.complete(0L);
            return request.future;
        }
        synchronized (submitLock) {
            checkOpen();
            for (int i = 0; i < count; i++) {
                lanes.get(placement.segment(i).lane()).queue.add(new Task(request, i, sequence++, urgent, false));
            }
        }
        return request.future;
    }

    private void checkOwner(Placement placement) {
        Objects.requireNonNull(placement, "placement");
        if (placement.owner() != this) {
            throw new IllegalArgumentException(placement + " belongs to another I/O engine");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("I/O engine used after close");
        }
    }

    /** One SSD, or the host tier: its backend, queue, workers and bounce buffers. */
    private final class Lane {
        final int index;
        final String name;
        final StorageBackend backend;
        final boolean ssd;
        final PriorityBlockingQueue<Task> queue = new PriorityBlockingQueue<>(64, ORDER);
        final Semaphore inFlight = new Semaphore(queueDepth);
        final BufferPool bounce = new BufferPool(taskSizeBytes, stagingBuffers);
        final List<Thread> workers = new ArrayList<>();
        final LongAdder bytesWritten = new LongAdder();
        final LongAdder bytesRead = new LongAdder();
        /** Tasks running, when the current busy period began, and the busy time before it; under {@code this}. */
        private int running;
        private long busySinceNanos;
        private long busyNanos;

        Lane(int index, String name, StorageBackend backend, boolean ssd) {
            this.index = index;
            this.name = name;
            this.backend = backend;
            this.ssd = ssd;
        }

        void start() {
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(this::work, "teraio-io-" + name + "-" + i);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
        }

        void join() {
            for (Thread t : workers) {
                if (t == Thread.currentThread()) {
                    continue;
                }
                boolean interrupted = false;
                while (t.isAlive()) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void work() {
            while (true) {
                inFlight.acquireUninterruptibly();
                try {
                    Task task;
                    try {
                        task = queue.take();
                    } catch (InterruptedException e) {
                        continue;
                    }
                    if (task.stop) {
                        return;
                    }
                    run(task);
                } finally {
                    inFlight.release();
                }
            }
        }

        private void run(Task task) {
            Request r = task.request;
            if (r.failure.get() != null || r.future.isDone()) {
                r.taskDone(null);
                return;
            }
            busy(true);
            Throwable error = null;
            try {
                tasks.increment();
                if (r.write) {
                    writeTask(r, task.index);
                } else {
                    readTask(r, task.index);
                }
            } catch (Throwable e) {
                error = e;
            } finally {
                busy(false);
            }
            r.taskDone(error);
        }

        /** A task starts ({@code true}) or ends on this lane. */
        private synchronized void busy(boolean start) {
            long now = System.nanoTime();
            if (start && running++ == 0) {
                busySinceNanos = now;
            } else if (!start && --running == 0) {
                busyNanos += now - busySinceNanos;
            }
        }

        synchronized LaneStats stats() {
            long busy = busyNanos + (running > 0 ? System.nanoTime() - busySinceNanos : 0);
            return new LaneStats(name, bytesWritten.sum(), bytesRead.sum(), busy);
        }

        private void writeTask(Request r, int index) throws InterruptedException {
            TaskSpan span = new TaskSpan(r, index);
            ByteBuffer view = r.buffer.hostView(span.tensorOffset, span.bytes);
            if (view == null && !verify && backend.movesDirectly(r.buffer)) {
                long written;
                try {
                    written = backend.writeDevice(span.segment.extent(), span.offsetInExtent, r.buffer,
                            span.tensorOffset, span.bytes);
                } catch (StorageException e) {
                    throw span.failure("failed", e);
                }
                if (written != span.bytes) {
                    throw span.failure("failed", span.shortTransfer(span.bytes, written));
                }
                r.placement.recordWritten(index);
                (ssd ? ssdBytesWritten : hostBytesWritten).add(span.bytes);
                bytesWritten.add(span.bytes);
                return;
            }
            NativeBlock block = direct(view, span.bytes) ? null : bounce();
            try {
                ByteBuffer out = block == null ? view : block.view(0, span.paddedBytes);
                if (block != null) {
                    r.buffer.copyToHost(span.tensorOffset, out.slice(0, span.bytes));
                    for (int at = span.bytes; at < span.paddedBytes; at += ZEROS.length) {
                        out.put(at, ZEROS, 0, Math.min(ZEROS.length, span.paddedBytes - at));
                    }
                }
                if (skipZeros && allZero(out, span.bytes)) {
                    r.placement.recordZero(index);
                    zeroBytesSkipped.add(span.bytes);
                    return;
                }
                if (verify) {
                    r.placement.recordCrc(index, crc(out.slice(0, span.bytes)));
                } else {
                    r.placement.recordWritten(index);
                }
                int expected = out.remaining();
                long written;
                try {
                    written = backend.write(span.segment.extent(), span.offsetInExtent, out);
                } catch (StorageException e) {
                    throw span.failure("failed", e);
                }
                if (written != expected) {
                    throw span.failure("failed", span.shortTransfer(expected, written));
                }
                (ssd ? ssdBytesWritten : hostBytesWritten).add(span.bytes);
                bytesWritten.add(span.bytes);
            } finally {
                if (block != null) {
                    bounce.release(block);
                }
            }
        }

        private void readTask(Request r, int index) throws InterruptedException {
            TaskSpan span = new TaskSpan(r, index);
            StorageException last = null;
            for (int attempt = 0; attempt <= readRetries; attempt++) {
                if (attempt > 0) {
                    retries.increment();
                    LOG.debug("retrying the read of tensor '{}' at offset {} of {} (attempt {} of {}) after: {}",
                            r.label, span.fileOffset, backend.location(), attempt + 1, readRetries + 1,
                            last.getMessage());
                }
                try {
                    readOnce(r, span);
                    (ssd ? ssdBytesRead : hostBytesRead).add(span.bytes);
                    bytesRead.add(span.bytes);
                    return;
                } catch (CrcMismatchException e) {
                    throw e;
                } catch (StorageException e) {
                    last = e;
                }
            }
            String attempts = readRetries == 0 ? "failed"
                    : "failed after " + (readRetries + 1) + " attempts, the last";
            throw span.failure(attempts, last);
        }

        private void readOnce(Request r, TaskSpan span) throws InterruptedException {
            ByteBuffer view = r.buffer.hostView(span.tensorOffset, span.bytes);
            if (r.placement.isZero(span.index)) {
                fillZero(r.buffer, view, span);
                zeroBytesSkipped.add(span.bytes);
                return;
            }
            if (view == null && !verify && backend.movesDirectly(r.buffer)) {
                long read = backend.readDevice(span.segment.extent(), span.offsetInExtent, r.buffer,
                        span.tensorOffset, span.bytes);
                if (read != span.bytes) {
                    throw span.shortTransfer(span.bytes, read);
                }
                return;
            }
            NativeBlock block = direct(view, span.bytes) ? null : bounce();
            try {
                ByteBuffer in = block == null ? view : block.view(0, span.paddedBytes);
                int expected = in.remaining();
                long read = backend.read(span.segment.extent(), span.offsetInExtent, in.duplicate());
                if (read != expected) {
                    throw span.shortTransfer(expected, read);
                }
                ByteBuffer data = in.slice(0, span.bytes);
                long recorded = r.placement.crc(span.index);
                if (verify && recorded >= 0) {
                    int actual = crc(data.duplicate());
                    if (actual != (int) recorded) {
                        crcMismatches.increment();
                        throw new CrcMismatchException(span.what() + " from " + span.where()
                                + ": CRC32C mismatch, written " + String.format("%08x", recorded) + ", read "
                                + String.format("%08x", actual) + " (the bytes read back are not the bytes written)",
                                backend.location(), span.fileOffset);
                    }
                }
                if (block != null) {
                    r.buffer.copyFromHost(span.tensorOffset, data);
                }
            } finally {
                if (block != null) {
                    bounce.release(block);
                }
            }
        }

        /** A bounce buffer for a task that cannot use the device buffer's memory directly. */
        private NativeBlock bounce() throws InterruptedException {
            NativeBlock block = bounce.acquire();
            bouncedTasks.increment();
            return block;
        }

        /** Whether a view can go to the backend as it is: host-addressable and aligned. */
        private boolean direct(ByteBuffer view, int bytes) {
            int alignment = backend.alignment();
            return view != null && bytes % alignment == 0 && view.alignmentOffset(0, alignment) == 0;
        }

        /** Fills a task's span of the buffer with zeros, through its view when it has one. */
        private void fillZero(DeviceBuffer buffer, ByteBuffer view, TaskSpan span) {
            for (int at = 0; at < span.bytes; at += ZERO_WORDS.capacity()) {
                int n = Math.min(ZERO_WORDS.capacity(), span.bytes - at);
                if (view != null) {
                    view.put(at, ZERO_WORDS, 0, n);
                } else {
                    buffer.copyFromHost(span.tensorOffset + at, ZERO_WORDS.slice(0, n));
                }
            }
        }

        private int crc(ByteBuffer bytes) {
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            return (int) crc.getValue();
        }
    }

    /**
     * Writes a non-zero word at the start of every 4 KiB of {@code buffer}, so that a probe
     * timing writes and reads through the engine moves every task ({@code io.skipZeros} would
     * skip a task of fresh, all-zero memory).
     */
    public static void stampPages(DeviceBuffer buffer) {
        ByteBuffer word = ByteBuffer.allocateDirect(Long.BYTES);
        for (long at = 0; at + Long.BYTES <= buffer.bytes(); at += NativeBlock.ALIGNMENT) {
            ByteBuffer view = buffer.hostView(at, Long.BYTES);
            long value = 0x7E4A_1000_0000_0001L ^ at;
            if (view != null) {
                view.putLong(0, value);
            } else {
                buffer.copyFromHost(at, word.putLong(0, value).clear());
            }
        }
    }

    /** Whether the first {@code bytes} of {@code data} (from its position 0) are all zero. */
    static boolean allZero(ByteBuffer data, int bytes) {
        for (int at = 0; at < bytes; at += ZERO_WORDS.capacity()) {
            int n = Math.min(ZERO_WORDS.capacity(), bytes - at);
            if (data.slice(at, n).mismatch(ZERO_WORDS.slice(0, n)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Where one task's bytes are: in the tensor, in the extent, in the file. */
    private final class TaskSpan {
        final Request request;
        final int index;
        final Placement.Segment segment;
        final long tensorOffset;
        final int bytes;
        final int paddedBytes;
        final long offsetInExtent;
        final long fileOffset;

        TaskSpan(Request request, int index) {
            this.request = request;
            this.index = index;
            this.segment = request.placement.segment(index);
            this.tensorOffset = index * taskSizeBytes;
            this.bytes = (int) Math.min(taskSizeBytes, request.placement.bytes() - tensorOffset);
            int alignment = segment.backend().alignment();
            this.paddedBytes = (bytes + alignment - 1) / alignment * alignment;
            this.offsetInExtent = request.placement.offsetInExtent(index);
            this.fileOffset = segment.extent().offset() + offsetInExtent;
        }

        /** {@code read of tensor 'k' (task 2 of 3, 4.00 MiB at tensor offset 4194304)}. */
        String what() {
            return (request.write ? "write" : "read") + " of tensor '" + request.label + "' (task " + (index + 1)
                    + " of " + request.placement.tasks() + ", " + Units.formatBytes(bytes) + " at tensor offset "
                    + tensorOffset + ")";
        }

        /** {@code ssd0 /nvme0/.../ssd0.data at offset 8192}. */
        String where() {
            return segment.laneName() + " " + segment.backend().location() + " at offset " + fileOffset;
        }

        /** A backend call that moved fewer bytes than asked (it should have thrown): EIO. */
        StorageException shortTransfer(int expected, long moved) {
            String location = segment.backend().location();
            String op = request.write ? "write" : "read";
            return new StorageException(op + " of " + expected + " bytes at offset " + fileOffset + " of " + location
                    + " moved only " + moved + " bytes (short " + op + "): " + Errno.describe(Errno.EIO), location,
                    fileOffset, Errno.EIO, null);
        }

        /** The task's failure: the tensor and task, then the backend's message (file, offset, errno). */
        StorageException failure(String verb, StorageException cause) {
            String detail = cause.getMessage();
            if (!detail.contains(segment.backend().location())) {
                detail += " (" + where() + ")";
            }
            if (!detail.contains(Errno.name(cause.errno()))) {
                detail += ": " + Errno.describe(cause.errno());
            }
            return new StorageException(what() + (request.write ? " to " : " from ") + segment.laneName() + " "
                    + verb + ": " + detail, segment.backend().location(), fileOffset, cause.errno(), cause);
        }
    }

    private static final class Task {
        final Request request;
        final int index;
        final long sequence;
        final boolean urgent;
        final boolean stop;

        Task(Request request, int index, long sequence, boolean urgent, boolean stop) {
            this.request = request;
            this.index = index;
            this.sequence = sequence;
            this.urgent = urgent;
            this.stop = stop;
        }
    }

    /** One write or read: its tasks count down; the last one to finish completes the future. */
    private final class Request {
        final String label;
        final Placement placement;
        final DeviceBuffer buffer;
        final boolean write;
        final CompletableFuture<Long> future = new CompletableFuture<>();
        final AtomicInteger remaining;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Request(String label, Placement placement, DeviceBuffer buffer, boolean write, int tasks) {
            this.label = label;
            this.placement = placement;
            this.buffer = buffer;
            this.write = write;
            this.remaining = new AtomicInteger(tasks);
        }

        String what() {
            return write ? "write" : "read";
        }

        void taskDone(Throwable error) {
            if (error != null) {
                // the first real error wins over a cancellation
                failure.accumulateAndGet(error, (old, now) -> old == null
                        || old instanceof CancellationException && !(now instanceof CancellationException) ? now : old);
            }
            if (remaining.decrementAndGet() > 0) {
                return;
            }
            Throwable f = failure.get();
            if (f == null) {
                (write ? writes : reads).increment();
                future.complete(placement.bytes());
                return;
            }
            if (!(f instanceof CancellationException)) {
                (write ? failedWrites : failedReads).increment();
            }
            future.completeExceptionally(f);
        }
    }
}
