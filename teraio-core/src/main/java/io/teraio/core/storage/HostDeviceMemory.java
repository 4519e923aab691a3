package io.teraio.core.storage;

import io.teraio.core.Units;
import io.teraio.core.internal.ProcessMemory;
import io.teraio.core.internal.storage.ExtentAllocator;
import io.teraio.core.internal.storage.NativeBlock;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link DeviceMemory} in off-heap host memory ({@code host}): for CPU training and every
 * test. Like a GPU's memory (and PyTorch's caching allocator over it), buffers are carved out
 * of one arena reserved up front, so an allocation costs no system call and, once the arena's
 * pages have been touched, no page faults; a buffer that finds no free range in the arena
 * (fragmentation) gets a {@link NativeBlock} of its own instead. Buffers are 4096-aligned, so
 * O_DIRECT reads and writes go straight into them; their bytes are accounted in a
 * {@link MemoryBudget} of the capacity ({@code deviceMemory}), which is what is enforced. A reservation is completed on the thread that freed the memory it
 * waited for. Thread-safe; {@link #close()} is idempotent, fails waiting reservations and
 * leaves live buffers to their owners (they stay usable and give their bytes back on close).
 */
public final class HostDeviceMemory extends BudgetedDeviceMemory {
    /** The arena holds this much more than the capacity, for fragmentation. */
    private static final double ARENA_SLACK = 1.25;
    /** No arena larger than the machine's memory (the buffers get blocks of their own). */
    private static final long ARENA_MAX_BYTES = physicalMemoryBytes();

    /** The arena, or null when it could not be had; freed when closed and its last buffer is. */
    private final NativeBlock arena;
    private final ExtentAllocator arenaSpace;
    /** Live buffers in the arena, plus one until close. Guarded by {@code arenaSpace}. */
    private int arenaUsers = 1;

    /** @param capacityBytes the most bytes live buffers may hold (positive) */
    public HostDeviceMemory(long capacityBytes) {
        this(capacityBytes, true);
    }

    private HostDeviceMemory(long capacityBytes, boolean withArena) {
        super("host", capacityBytes);
        this.arenaSpace = new ExtentAllocator(NativeBlock.ALIGNMENT);
        this.arena = withArena
                ? reserveArena(arenaSpace.roundUp((long) Math.min(ARENA_SLACK * capacityBytes, 0x1p62))) : null;
    }

    /**
     * Memory of the same capacity without the arena: each buffer is a {@link NativeBlock} of
     * its own, allocated when asked and given back to the system when freed, so the process
     * holds only what is live. For the DJL agent, whose few buffers (the in-process probe's)
     * live beside the framework's own tensors: an arena would keep every page it ever touched.
     */
    public static HostDeviceMemory withoutArena(long capacityBytes) {
        return new HostDeviceMemory(capacityBytes, false);
    }

    private static long physicalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 1L << 30;
    }

    private static NativeBlock reserveArena(long bytes) {
        if (bytes > ARENA_MAX_BYTES) {
            return null;
        }
        try {
            return NativeBlock.allocate(bytes);
        } catch (OutOfMemoryError e) {
            return null; // every buffer gets a block of its own
        }
    }

    @Override
    public String name() {
        return "host";
    }

    /** Makes the buffer for bytes already taken; gives them back if that fails. */
    @Override
    protected DeviceBuffer newBuffer(long bytes) {
        if (arena != null) {
            synchronized (arenaSpace) {
                if (arenaUsers > 0) {
                    long offset = arenaSpace.allocate(bytes);
                    if (offset + bytes <= arena.bytes()) {
                        arenaUsers++;
                        return new ArenaBuffer(offset, bytes);
                    }
                    arenaSpace.free(offset, bytes);
                }
            }
        }
        NativeBlock block;
        try {
            block = NativeBlock.allocate(bytes);
        } catch (RuntimeException | Error e) {
            budget.give(bytes);
            throw e;
        }
        return new BlockBuffer(block);
    }

    /**
     * The arena's bytes in RAM, as the operating system counts them
     * ({@link ProcessMemory#residentBytes}): an arena keeps every page a buffer ever touched, so
     * this is the most of it the buffers have used at once plus what fragmentation spread them
     * over, this memory's peak as the system sees it (the budget counts live bytes only). Buffers
     * outside the arena (none unless it was full or fragmented) are not counted.
     *
     * @return the bytes, or {@link ProcessMemory#UNAVAILABLE} without an arena
     *         ({@link #withoutArena}), once the arena is freed, or where the system does not tell
     */
    public long residentArenaBytes() {
        if (arena == null) {
            return ProcessMemory.UNAVAILABLE;
        }
        synchronized (arenaSpace) {
            return arenaUsers == 0 ? ProcessMemory.UNAVAILABLE
                    : ProcessMemory.residentBytes(arena.address(), arena.bytes());
        }
    }

    /** {@link #residentArenaBytes}: the arena keeps the pages its buffers touched. */
    @Override
    public long systemPeakBytes() {
        return residentArenaBytes();
    }

    /** Fails waiting reservations; live buffers stay with their owners. Idempotent. */
    @Override
    public void close() {
        if (!budget.isClosed()) {
            budget.close();
            leaveArena();
        }
    }

    /** One arena user fewer; the last one frees it. */
    private void leaveArena() {
        if (arena == null) {
            return;
        }
        synchronized (arenaSpace) {
            if (--arenaUsers == 0) {
                arena.close();
            }
        }
    }

    @Override
    public String toString() {
        return budget.toString();
    }

    /** A buffer's bytes: a range of the arena or a block of its own. */
    private abstract class HostBuffer implements DeviceBuffer {
        private final long bytes;
        private final AtomicBoolean closed = new AtomicBoolean();

        HostBuffer(long bytes) {
            this.bytes = bytes;
        }

        /** The block the bytes are in, and where in it they start. */
        abstract NativeBlock block();

        abstract long start();

        /** Frees the bytes (the budget is given back after). */
        abstract void release();

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public ByteBuffer hostView(long offset, int length) {
            checkRange(offset, length);
            return block().view(start() + offset, length);
        }

        @Override
        public void copyToHost(long offset, ByteBuffer dst) {
            checkRange(offset, dst.remaining());
            block().copyTo(start() + offset, dst);
        }

        @Override
        public void copyFromHost(long offset, ByteBuffer src) {
            checkRange(offset, src.remaining());
            block().copyFrom(start() + offset, src);
        }

        @Override
        public boolean isClosed() {
            return closed.get();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release();
                budget.give(bytes);
            }
        }

        private void checkRange(long offset, long length) {
            if (closed.get()) {
                throw new IllegalStateException("device buffer of " + Units.formatBytes(bytes)
                        + " (host) used after close");
            }
            if (offset < 0 || length < 0 || offset + length > bytes) {
                throw new IndexOutOfBoundsException("[" + offset + ", " + (offset + length) + ") of a device buffer of "
                        + bytes + " bytes");
            }
        }

        @Override
        public String toString() {
            return "host device buffer of " + Units.formatBytes(bytes);
        }
    }

    private final class ArenaBuffer extends HostBuffer {
        private final long offset;

        ArenaBuffer(long offset, long bytes) {
            super(bytes);
            this.offset = offset;
        }

        @Override
        NativeBlock block() {
            return arena;
        }

        @Override
        long start() {
            return offset;
        }

        @Override
        void release() {
            synchronized (arenaSpace) {
                arenaSpace.free(offset, bytes());
            }
            leaveArena();
        }
    }

    private final class BlockBuffer extends HostBuffer {
        private final NativeBlock block;

        BlockBuffer(NativeBlock block) {
            super(block.bytes());
            this.block = block;
        }

        @Override
        NativeBlock block() {
            return block;
        }

        @Override
        long start() {
            return 0;
        }

        @Override
        void release() {
            block.close();
        }
    }
}
