package io.teraio.torch;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * Page-aligned memory that evicted storages gave back ({@link TorchStorage#release(PageBlocks)}),
 * kept for a storage of the same rounded size to be restored into
 * ({@link TorchStorage#allocate(PageBlocks)}). Reusing a block spares the kernel unmapping the
 * memory at the eviction and faulting in and zeroing fresh pages at the restore: with glibc's
 * mmap threshold low, as teraio runs DJL jobs, every restore of a large storage was a new
 * mapping. The memory stays in the process while it is kept, so its owner counts
 * {@link #bytes()} as memory in use and {@link #trim}s it when bytes are needed. Thread-safe.
 */
public final class PageBlocks implements AutoCloseable {
    /** What blocks are aligned to and sized in: a page, O_DIRECT's alignment. */
    public static final long PAGE = 4096;

    /** Kept blocks by capacity, most recently kept last. */
    private final TreeMap<Long, ArrayDeque<Long>> kept = new TreeMap<>();
    private long bytes;
    private long reuses;
    private boolean closed;

    /** The capacity of the block a storage of {@code bytes} needs: {@code bytes} rounded up to a page. */
    public static long capacity(long bytes) {
        return (bytes + PAGE - 1) / PAGE * PAGE;
    }

    /** Bytes of the blocks kept now. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Restores that got a kept block instead of new memory so far. */
    public synchronized long reuses() {
        return reuses;
    }

    /** Whether a block for a storage of {@code bytes} is kept (the next {@link #take} of them returns one). */
    public synchronized boolean has(long bytes) {
        return kept.containsKey(capacity(bytes));
    }

    /** Keeps a block of {@code capacity} bytes at {@code address} (freed at once once closed). */
    synchronized void give(long capacity, long address) {
        if (closed) {
            TorchNative.freeBlock0(address);
            return;
        }
        kept.computeIfAbsent(capacity, c -> new ArrayDeque<>()).addLast(address);
        bytes += capacity;
    }

    /** A kept block for a storage of {@code bytes} (the one kept last), or 0 when none is. */
    synchronized long take(long bytes) {
        long capacity = capacity(bytes);
        ArrayDeque<Long> blocks = kept.get(capacity);
        if (blocks == null) {
            return 0;
        }
        long address = blocks.removeLast();
        if (blocks.isEmpty()) {
            kept.remove(capacity);
        }
        this.bytes -= capacity;
        reuses++;
        return address;
    }

    /**
     * Frees kept blocks until at least {@code atLeast} bytes are freed or none is left but one
     * for a storage of {@code spare} bytes (0: none spared): first the smallest block that frees
     * enough alone, else the largest ones.
     *
     * @return the bytes freed
     */
    public synchronized long trim(long atLeast, long spare) {
        long spared = spare > 0 ? capacity(spare) : -1;
        long freed = 0;
        while (freed < atLeast) {
            Long capacity = kept.ceilingKey(atLeast - freed);
            if (capacity != null && capacity == spared && kept.get(capacity).size() == 1) {
                capacity = kept.higherKey(capacity);
            }
            if (capacity == null) {
                capacity = largestBut(spared);
            }
            if (capacity == null) {
                break;
            }
            freed += free(capacity);
        }
        return freed;
    }

    /** Frees every kept block; later ones are freed as they come. */
    @Override
    public synchronized void close() {
        closed = true;
        while (!kept.isEmpty()) {
            free(kept.lastKey());
        }
    }

    @Override
    public synchronized String toString() {
        return "page blocks: " + bytes + " bytes kept in " + kept.values().stream().mapToInt(ArrayDeque::size).sum()
                + " blocks, " + reuses + " reuses";
    }

    /** The largest capacity kept, leaving one block of {@code spared}; null when there is none. */
    private Long largestBut(long spared) {
        for (Map.Entry<Long, ArrayDeque<Long>> e : kept.descendingMap().entrySet()) {
            if (e.getKey() != spared || e.getValue().size() > 1) {
                return e.getKey();
            }
        }
        return null;
    }

    private long free(long capacity) {
        ArrayDeque<Long> blocks = kept.get(capacity);
        TorchNative.freeBlock0(blocks.removeFirst());
        if (blocks.isEmpty()) {
            kept.remove(capacity);
        }
        bytes -= capacity;
        return capacity;
    }
}
