package io.teraio.core.storage;

import io.teraio.core.Units;
import io.teraio.core.internal.storage.ExtentAllocator;
import io.teraio.core.internal.storage.NativeBlock;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Offloaded bytes in host memory (the host tier): each extent is a {@link NativeBlock} of its
 * exact length, and the extents together hold at most the capacity ({@code hostMemory}). The
 * extent offsets are unique names handed out by an {@link ExtentAllocator}, not addresses.
 * Alignment 1. Thread-safe: copies hold a read lock, and {@link #release} and {@link #close()}
 * (which frees every block) wait for them, so no block is freed under a copy.
 *
 * <p>A released extent's block is kept for the next extent of the same length, as a pinned
 * pool on a GPU host keeps its buffers: a training iteration offloads tensors of the same sizes
 * as the one before, and a block just mapped costs a page fault per 4 KiB at its first write
 * (about 8 µs a page on this project's virtual machines: the tier wrote at 0.5 GiB/s where a
 * copy runs at 10, docs/io-results.md). Kept blocks and live extents together stay within the
 * capacity: kept blocks are freed, largest first, when a new length would not fit beside them.
 */
public final class HostStorageBackend implements StorageBackend {
    private static final String LOCATION = "host memory";

    private final long capacityBytes;
    private final ExtentAllocator allocator = new ExtentAllocator(1);
    private final Map<Long, NativeBlock> blocks = new ConcurrentHashMap<>();
    /** Released blocks by length, most recently released last; guarded by {@code this}. */
    private final TreeMap<Long, ArrayDeque<NativeBlock>> kept = new TreeMap<>();
    private long keptBytes;
    private long reuses;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Read: a copy in or out of a block. Write: freeing blocks. */
    private final ReadWriteLock freeing = new ReentrantReadWriteLock();

    /** @param capacityBytes the most bytes the extents may hold together (positive) */
    public HostStorageBackend(long capacityBytes) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("host storage: capacityBytes " + capacityBytes + " must be positive");
        }
        this.capacityBytes = capacityBytes;
    }

    @Override
    public String name() {
        return "host";
    }

    @Override
    public String location() {
        return LOCATION;
    }

    @Override
    public int alignment() {
        return 1;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /**
     * @throws StorageException with errno {@code ENOSPC} when the extent would take the tier
     *                          past its capacity, {@code ENOMEM} when the system has no memory
     */
    @Override
    public synchronized Extent allocate(long length) {
        checkOpen();
        if (length <= 0) {
            throw new IllegalArgumentException("allocate of " + length + " bytes in host memory: the length must be"
                    + " positive");
        }
        long held = allocator.allocatedBytes();
        if (length > capacityBytes - held) {
            throw new StorageException("allocate of " + Units.formatBytes(length) + " in host memory failed: "
                    + Errno.describe(Errno.ENOSPC) + ": the host tier holds " + Units.formatBytes(held) + " of its "
                    + Units.formatBytes(capacityBytes) + " cap (hostMemory)", LOCATION, -1, Errno.ENOSPC, null);
        }
        NativeBlock block = take(length);
        if (block == null) {
            freeKept(keptBytes + length - (capacityBytes - held));
            try {
                block = NativeBlock.allocate(length);
            } catch (OutOfMemoryError e) {
                throw new StorageException("allocate of " + Units.formatBytes(length) + " in host memory failed: "
                        + Errno.describe(Errno.ENOMEM), LOCATION, -1, Errno.ENOMEM, e);
            }
        }
        long offset = allocator.allocate(length);
        freeing.readLock().lock();
        try {
            if (closed.get()) {
                block.close();
                throw new IllegalStateException("host storage used after close");
            }
            blocks.put(offset, block);
        } finally {
            freeing.readLock().unlock();
        }
        return new Extent(offset, length);
    }

    @Override
    public void release(Extent extent) {
        NativeBlock block;
        freeing.writeLock().lock();
        try {
            checkOpen();
            block = blocks.get(extent.offset());
            if (block == null || block.bytes() != extent.length()) {
                throw new IllegalStateException("release of " + extent + " in host memory: "
                        + (block == null ? "not allocated (released twice, or from another backend)"
                                : "the extent there is " + block.bytes() + " bytes"));
            }
            blocks.remove(extent.offset());
        } finally {
            freeing.writeLock().unlock();
        }
        // not under the lock: allocate holds this and then takes the read lock; no copy can reach the block now
        synchronized (this) {
            if (closed.get()) {
                block.close();
            } else {
                kept.computeIfAbsent(block.bytes(), b -> new ArrayDeque<>()).addLast(block);
                keptBytes += block.bytes();
            }
            allocator.free(extent.offset(), extent.length());
        }
    }

    /** A kept block of exactly {@code length} bytes, or null; under {@code this}. */
    private NativeBlock take(long length) {
        ArrayDeque<NativeBlock> same = kept.get(length);
        if (same == null) {
            return null;
        }
        NativeBlock block = same.removeLast();
        if (same.isEmpty()) {
            kept.remove(length);
        }
        keptBytes -= length;
        reuses++;
        return block;
    }

    /** Frees kept blocks, largest first, until at least {@code bytes} are freed or none is kept; under {@code this}. */
    private void freeKept(long bytes) {
        while (bytes > 0 && !kept.isEmpty()) {
            Map.Entry<Long, ArrayDeque<NativeBlock>> largest = kept.lastEntry();
            NativeBlock block = largest.getValue().removeFirst();
            if (largest.getValue().isEmpty()) {
                kept.remove(largest.getKey());
            }
            keptBytes -= block.bytes();
            bytes -= block.bytes();
            block.close();
        }
    }

    /** Bytes of released blocks kept for reuse: memory the process holds beside {@link #allocatedBytes()}. */
    public synchronized long keptBytes() {
        return keptBytes;
    }

    /** Extents that got a kept block instead of new memory so far. */
    public synchronized long reuses() {
        return reuses;
    }

    @Override
    public long write(Extent extent, long offset, ByteBuffer src) {
        return copy("write", extent, offset, src, true);
    }

    @Override
    public long read(Extent extent, long offset, ByteBuffer dst) {
        return copy("read", extent, offset, dst, false);
    }

    /** Copies all of {@code buffer} into the extent's block ({@code in}) or out of it. */
    private long copy(String op, Extent extent, long offset, ByteBuffer buffer, boolean in) {
        int length = buffer.remaining();
        freeing.readLock().lock();
        try {
            NativeBlock block = block(op, extent, offset, length);
            if (in) {
                block.copyFrom(offset, buffer);
            } else {
                block.copyTo(offset, buffer);
            }
        } finally {
            freeing.readLock().unlock();
        }
        return length;
    }

    private NativeBlock block(String op, Extent extent, long offset, int length) {
        checkOpen();
        if (offset < 0 || offset > extent.length() - length) {
            throw new IllegalArgumentException(op + " of " + length + " bytes at offset " + offset + " is outside "
                    + extent + " of host memory");
        }
        NativeBlock block = blocks.get(extent.offset());
        if (block == null || block.bytes() != extent.length()) {
            throw new IllegalArgumentException(op + " of " + length + " bytes in host memory: " + extent
                    + " is not allocated (released, or from another backend)");
        }
        return block;
    }

    @Override
    public long allocatedBytes() {
        return allocator.allocatedBytes();
    }

    /** Frees every block (after copies in progress end); idempotent. */
    @Override
    public void close() {
        freeing.writeLock().lock();
        try {
            if (closed.compareAndSet(false, true)) {
                List<NativeBlock> all = new ArrayList<>(blocks.values());
                blocks.clear();
                all.forEach(NativeBlock::close);
            }
        } finally {
            freeing.writeLock().unlock();
        }
        synchronized (this) { // after the lock, as in release
            freeKept(Long.MAX_VALUE);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("host storage used after close");
        }
    }

    @Override
    public String toString() {
        return "host storage (" + Units.formatBytes(allocatedBytes()) + " of " + Units.formatBytes(capacityBytes)
                + ")";
    }
}
