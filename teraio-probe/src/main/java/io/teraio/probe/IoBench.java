package io.teraio.probe;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.engine.Placement;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.StorageException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sequential O_DIRECT throughput through the engine, as {@code fio} measures it: {@code size}
 * bytes written (or read) as requests of one block each, {@code io.queueDepth} requests in
 * flight per SSD, striped over the engine's SSDs. Shared by {@code bench-io} and {@code probe}.
 *
 * <p>As many requests again (at least 4 in all) wait in the engine's queue, submitted ahead as
 * a plan issues its entries ahead: a worker that finishes a task takes the next one at once, and
 * the SSD sees back-to-back requests at the queue depth, as under fio, instead of sitting idle
 * while the completion reaches this thread and its next request reaches a worker; this thread
 * waits for half of them at a time, so that a worker wakes it once per several requests. Before
 * the timed runs, untimed page-size requests warm the JVM up. At queue depth 1 each of the two
 * cost the SSD 100 to 300 microseconds of idle time per request on a loaded 2-core machine
 * (docs/io-results.md).
 */
public final class IoBench implements AutoCloseable {
    private static final int PAGE = 4096;
    /** Untimed requests of one page before the timed runs (each way). */
    private static final int WARM_UP_REQUESTS = 1000;
    private final String command;
    private final IoEngine io;
    private final long sizeBytes;
    private final long blockBytes;
    private final int inFlight;
    private final int target;
    private final List<Placement> placements = new ArrayList<>();
    private final DeviceBuffer[] buffers;
    private final ByteProgress progress;
    private boolean written;
    private long bytesWritten;
    private long bytesRead;
    private long blocksWritten;
    private long blocksRead;

    /** The device memory an IoBench of {@code inFlight} requests of {@code blockBytes} takes (its buffers). */
    public static long memoryBytes(long blockBytes, int inFlight) {
        return blockBytes * buffers(inFlight);
    }

    /** Requests kept submitted: twice those in flight, at least 4 (so that one thread wakes per two). */
    private static int buffers(int inFlight) {
        return Math.max(4, 2 * inFlight);
    }

    /**
     * @param target   an SSD id, or {@link IoEngine#ANY_SSD} to spread blocks round-robin over all
     * @param inFlight requests kept in flight at the SSDs (queue depth times SSDs); as many again
     *                 wait in the engine's queue
     * @param progress where the bytes written and read are shown as they complete
     * @param command  the command measuring ({@code bench-io}, {@code bench-gds}, {@code probe}), to begin its errors
     */
    public IoBench(String command, IoEngine io, DeviceMemory memory, long sizeBytes, long blockBytes, int inFlight,
                   int target, ByteProgress progress) {
        this.command = command;
        this.io = io;
        this.progress = progress;
        this.blockBytes = blockBytes;
        this.sizeBytes = sizeBytes;
        this.inFlight = inFlight;
        this.target = target;
        int ssds = target == IoEngine.ANY_SSD ? io.ssdCount() : 1;
        long blocks = (sizeBytes + blockBytes - 1) / blockBytes;
        buffers = new DeviceBuffer[(int) Math.min(buffers(inFlight), blocks)];
        try {
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = memory.tryAllocate(blockBytes);
                if (buffers[i] == null) {
                    throw new TeraioException(command + ": no memory for " + buffers.length + " buffers of "
                            + Units.formatBytes(blockBytes));
                }
                if (buffers[i].hostView(0, Long.BYTES) != null) {
                    // mapped now, before any clock, as fio fills its buffers first: the timed run would
                    // otherwise pay their first-touch page faults (about 8 ms a 4 MiB buffer on this
                    // project's VMs, against 3 ms for its write; docs/io-results.md). CUDA memory is resident.
                    IoEngine.stampPages(buffers[i]);
                }
            }
            warmUp(); // before the blocks take their space: a host tier may hold no more than them
            for (long b = 0; b < blocks; b++) {
                long bytes = Math.min(blockBytes, sizeBytes - b * blockBytes);
                int where = target == IoEngine.ANY_SSD ? (int) (b % ssds) : target;
                placements.add(io.allocate(bytes, where));
            }
        } catch (RuntimeException e) {
            close(); // what was taken before the failure; the caller never gets this object to close
            throw e;
        }
    }

    /**
     * {@link #WARM_UP_REQUESTS} writes and reads of one page through the engine, untimed, so that
     * the timed runs measure the engine's compiled code, as a long training run does, not the
     * JVM's interpreter and compilers (which cost the first few hundred requests tens to hundreds
     * of microseconds each; docs/io-results.md).
     */
    private void warmUp() {
        int ssd = target == IoEngine.ANY_SSD ? 0 : target;
        Placement page = io.allocate(PAGE, ssd);
        try {
            stamp(buffers[0], 0, PAGE, true); // not zeros: io.skipZeros would neither write nor read them
            for (int i = 0; i < WARM_UP_REQUESTS; i++) {
                io.write(command + " warm-up", page, buffers[0], false).join();
                io.read(command + " warm-up", page, buffers[0], false).join();
            }
        } catch (CompletionException e) {
            // a storage failure stays a StorageException (exit 3 in the CLI), not an internal error
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            io.release(page);
        }
    }

    /** Sequential bandwidths in bytes per second. */
    public record Bandwidth(long writeBytesPerSecond, long readBytesPerSecond) {
    }

    /** The times of one task-size request {@link #probeSsd} takes the median of. */
    static final int REQUEST_SAMPLES = 16;

    /** What {@link #probeSsd} measures of SSD 0. */
    public record SsdProbe(Bandwidth sequential, Bandwidth mixed, long readTaskNs, long writeTaskNs) {
    }

    /**
     * The bytes a probe of {@code sizeBytes} writes to an SSD ({@link #probeSsd}: the sequential
     * run, then twice half as much mixed), with room to spare: its {@code io.preallocate}.
     */
    public static long probeFileBytes(long sizeBytes) {
        return sizeBytes + 2 * (sizeBytes / 2) + (8 << 20);
    }

    /**
     * What {@code probe} and {@code doctor --probe} measure of {@code engine}'s SSD 0: {@link
     * #sequential} over {@code sizeBytes}, {@link #mixed} over half as much, and the median time
     * of one task-size read and write ({@link #requestNs}).
     */
    public static SsdProbe probeSsd(MigrationEngine engine, TeraioConfig config, long sizeBytes, ByteProgress progress) {
        Bandwidth sequential = sequential(engine, config, sizeBytes, progress);
        Bandwidth mixed = mixed(engine, config, sizeBytes / 2, progress);
        long task = config.taskSizeBytes();
        return new SsdProbe(sequential, mixed, requestNs(engine, 0, task, false, REQUEST_SAMPLES),
                requestNs(engine, 0, task, true, REQUEST_SAMPLES));
    }

    /**
     * What {@code probe} and {@code doctor --probe} measure: {@code sizeBytes} written then read
     * back through {@code engine}'s first SSD in {@code config}'s task-size blocks at its queue depth.
     * The space is written once first, untimed: the timed write overwrites it, as the engine's
     * writes do from a run's second iteration on (on some disks the first write to a fresh
     * extent is much slower, docs/io-results.md).
     */
    static Bandwidth sequential(MigrationEngine engine, TeraioConfig config, long sizeBytes, ByteProgress progress) {
        try (IoBench bench = new IoBench("probe", engine.io(), engine.memory(), sizeBytes, config.taskSizeBytes(),
                config.queueDepth(), 0, progress)) {
            bench.write();
            double write = bench.write();
            double read = bench.read();
            return new Bandwidth(Math.round(sizeBytes / write), Math.round(sizeBytes / read));
        }
    }

    /**
     * What {@code probe} and {@code doctor --probe} measure of the host tier: {@code sizeBytes}
     * offloaded to it (write) then prefetched back (read) through {@code engine}'s host lane in
     * task-size blocks at its queue depth: a memory copy each way with host device memory, PCIe
     * with CUDA memory. The tier's memory is written once first, untimed: the timed write
     * overwrites it, as the engine's offloads do from a run's second iteration on (the tier keeps
     * released blocks for the next extent of their length).
     */
    public static Bandwidth hostTier(MigrationEngine engine, TeraioConfig config, long sizeBytes, ByteProgress progress) {
        try (IoBench bench = new IoBench("probe", engine.io(), engine.memory(), sizeBytes, config.taskSizeBytes(),
                config.queueDepth(), IoEngine.HOST, progress)) {
            bench.write();
            double write = bench.write();
            double read = bench.read();
            return new Bandwidth(Math.round(sizeBytes / write), Math.round(sizeBytes / read));
        }
    }

    /**
     * Reads and writes on SSD 0 at the same time: {@code sizeBytes} written (untimed) then read
     * back while another {@code sizeBytes} are written, both started together and sharing the
     * SSD's queue depth; each bandwidth over its own run. Takes twice {@link #memoryBytes} of the
     * engine's device memory.
     */
    static Bandwidth mixed(MigrationEngine engine, TeraioConfig config, long sizeBytes, ByteProgress progress) {
        long task = config.taskSizeBytes();
        int depth = config.queueDepth();
        try (IoBench reader = new IoBench("probe", engine.io(), engine.memory(), sizeBytes, task, depth, 0, progress);
             IoBench writer = new IoBench("probe", engine.io(), engine.memory(), sizeBytes, task, depth, 0, ByteProgress.NONE)) {
            reader.write();
            ExecutorService other = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "teraio-probe-mixed-write");
                t.setDaemon(true);
                return t;
            });
            try {
                Future<Double> write = other.submit(writer::write);
                double read = reader.read();
                double written = write.get();
                return new Bandwidth(Math.round(sizeBytes / written), Math.round(sizeBytes / read));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TeraioException("probe: interrupted in the mixed read and write");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new TeraioException("probe: the mixed write"
                        + " failed: " + e.getCause());
            } finally {
                other.shutdownNow();
                awaitQuietly(other);
            }
        }
    }

    private static void awaitQuietly(ExecutorService executor) {
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The median time of one {@code bytes} request through {@code engine}, from issue to
     * completion, with nothing else in flight, over {@code samples} requests to {@code target}
     * (after one untimed write).
     */
    static long requestNs(MigrationEngine engine, int target, long bytes, boolean write, int samples) {
        IoEngine io = engine.io();
        Placement p = io.allocate(bytes, target);
        DeviceBuffer buffer = null;
        try {
            buffer = engine.memory().tryAllocate(bytes);
            if (buffer == null) {
                throw new TeraioException("probe: no memory for a buffer of " + Units.formatBytes(bytes));
            }
            IoEngine.stampPages(buffer);
            io.write("probe", p, buffer, true).join();
            long[] times = new long[samples];
            for (int i = 0; i < samples; i++) {
                long start = System.nanoTime();
                (write ? io.write("probe", p, buffer, true) : io.read("probe", p, buffer, true)).join();
                times[i] = System.nanoTime() - start;
            }
            Arrays.sort(times);
            return times[samples / 2];
        } finally {
            if (buffer != null) {
                buffer.close();
            }
            io.release(p);
        }
    }

    /** The migrations {@link #migrationNs} takes the median of. */
    static final int MIGRATION_SAMPLES = 32;

    /**
     * The engine's per-migration overhead on the thread that issues it (the compute stream): the
     * median time {@link MigrationEngine#offload} and {@link MigrationEngine#prefetch} of one
     * {@code bytes} tensor to {@code target} take to return, each waited for before the next, over
     * {@link #MIGRATION_SAMPLES} of each (after one untimed pair).
     */
    public static long migrationNs(MigrationEngine engine, int target, long bytes) {
        DeviceBuffer buffer = engine.memory().tryAllocate(bytes);
        if (buffer == null) {
            throw new TeraioException("probe: no memory for a tensor of " + Units.formatBytes(bytes));
        }
        IoEngine.stampPages(buffer);
        String key = "probe migration";
        engine.register(key, buffer);
        try {
            long[] times = new long[2 * MIGRATION_SAMPLES];
            for (int i = -1; i < MIGRATION_SAMPLES; i++) {
                long start = System.nanoTime();
                CompletableFuture<Long> offload = engine.offload(key, target, false);
                long issued = System.nanoTime();
                offload.join();
                long again = System.nanoTime();
                CompletableFuture<Long> prefetch = engine.prefetch(key, false);
                long prefetchIssued = System.nanoTime();
                prefetch.join();
                if (i >= 0) {
                    times[2 * i] = issued - start;
                    times[2 * i + 1] = prefetchIssued - again;
                }
            }
            Arrays.sort(times);
            return times[times.length / 2];
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            engine.free(key);
        }
    }

    /** Writes every block; returns the seconds it took. */
    public double write() {
        long start = System.nanoTime();
        run(true);
        written = true;
        return (System.nanoTime() - start) / 1e9;
    }

    /** Reads every block back (writing them first, untimed, if nothing was written); returns the seconds. */
    public double read() {
        if (!written) {
            write();
        }
        long start = System.nanoTime();
        run(false);
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Keeps {@code buffers.length} requests submitted; each buffer serves the blocks
     * {@code i, i + n, i + 2n, ...} in turn. Writes stamp each block first; reads check the stamps.
     */
    private void run(boolean write) {
        try (ByteProgress.Task task = progress.start(write ? "write" : "read", sizeBytes)) {
            run(write, task);
        }
    }

    private void run(boolean write, ByteProgress.Task task) {
        int n = buffers.length;
        @SuppressWarnings("unchecked")
        CompletableFuture<Long>[] pending = new CompletableFuture[n];
        long[] mismatched = new long[1];
        for (int b = 0; b < placements.size(); b++) {
            int slot = b % n;
            if (pending[slot] != null) {
                if (!pending[slot].isDone()) {
                    // wait for half the window at once: the workers wake this thread once per n / 2 requests
                    int later = b - n + Math.max(0, n / 2 - 1);
                    pending[later % n].handle((bytes, e) -> null).join();
                }
                finish(pending[slot], b - n, write, slot, mismatched, task);
            }
            Placement p = placements.get(b);
            if (write) {
                stamp(buffers[slot], b, p.bytes(), true);
                pending[slot] = io.write(command + " block " + b, p, buffers[slot], false);
            } else {
                pending[slot] = io.read(command + " block " + b, p, buffers[slot], false);
            }
        }
        for (int b = Math.max(0, placements.size() - n); b < placements.size(); b++) {
            finish(pending[b % n], b, write, b % n, mismatched, task);
        }
        if (mismatched[0] > 0) {
            // exit 3 in the CLI: the storage returned other bytes than were written
            throw new StorageException(command + ": " + mismatched[0] + " of " + placements.size() + " blocks read back"
                    + " different from what was written; " + summary(), io.ssdCount() == 1 ? "the SSD" : "the SSDs", -1,
                    0, null);
        }
    }

    /** What was done so far, in bytes and blocks, for a failure's message. */
    private String summary() {
        return String.format(Locale.ROOT, "%s of %s written, %s read (%,d and %,d blocks of %s)",
                Units.formatBytes(bytesWritten), Units.formatBytes(sizeBytes), Units.formatBytes(bytesRead),
                blocksWritten, blocksRead, Units.formatBytes(blockBytes));
    }

    private void finish(CompletableFuture<Long> future, int block, boolean write, int slot, long[] mismatched,
                        ByteProgress.Task task) {
        try {
            future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof StorageException storage) {
                // exit 3 in the CLI, with what was done before the storage failed
                throw new StorageException(command + ": stopped in the " + (write ? "write" : "read") + " of block " + block
                        + " of " + placements.size() + " by a storage failure: " + storage.getMessage() + "; before it: "
                        + summary(), storage.location(), storage.offset(), storage.errno(), storage);
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        long bytes = placements.get(block).bytes();
        if (write) {
            bytesWritten += bytes;
            blocksWritten++;
        } else {
            bytesRead += bytes;
            blocksRead++;
        }
        if (!write && !stamp(buffers[slot], block, placements.get(block).bytes(), false)) {
            mismatched[0]++;
        }
        task.advance(placements.get(block).bytes());
    }

    private static boolean stamp(DeviceBuffer buffer, int block, long bytes, boolean write) {
        ByteBuffer view = buffer.hostView(0, (int) bytes);
        if (view == null) {
            return stampFirst(buffer, block, bytes, write);
        }
        for (int at = 0; at + Long.BYTES <= bytes; at += PAGE) {
            long value = ((long) block << 32) ^ at ^ 0x7E4A10L;
            if (write) {
                view.putLong(at, value);
            } else if (view.getLong(at) != value) {
                return false;
            }
        }
        return true;
    }

    /** Memory with no host view (CUDA): one stamp at the block's start, one small copy each way. */
    private static boolean stampFirst(DeviceBuffer buffer, int block, long bytes, boolean write) {
        if (bytes < Long.BYTES) {
            return true;
        }
        long value = ((long) block << 32) ^ 0x7E4A10L;
        ByteBuffer one = ByteBuffer.allocateDirect(Long.BYTES);
        if (write) {
            one.putLong(0, value);
            buffer.copyFromHost(0, one);
            return true;
        }
        buffer.copyToHost(0, one);
        return one.getLong(0) == value;
    }

    @Override
    public void close() {
        placements.forEach(io::release);
        Arrays.stream(buffers).filter(b -> b != null).forEach(DeviceBuffer::close);
    }
}
