package io.teraio.core.internal.storage;

import io.teraio.core.Units;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Space manager over one file or address space: hands out ranges whose offsets and lengths
 * are multiples of an alignment, first fit (the lowest free offset that holds the length),
 * and extends the end when no free range fits. Freed ranges coalesce with their free
 * neighbours and are reused. {@link #end()} is the high-water mark: it never shrinks.
 *
 * <p>Every {@link #free} must name a range that {@link #allocate} returned (the offset, and
 * the length asked or the rounded one); anything else is a bug and throws
 * {@link IllegalStateException}. Thread-safe.
 */
public final class ExtentAllocator {
    private final int alignment;
    /** Free ranges below {@link #end}: offset to length; never two adjacent ones. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    /** Live allocations: offset to rounded length. */
    private final TreeMap<Long, Long> allocated = new TreeMap<>();
    private long end;
    private long allocatedBytes;
    private long freeBytes;

    /**
     * @param alignment the granularity of offsets and lengths, a power of two (4096 for
     *                  O_DIRECT files, 1 for memory)
     */
    public ExtentAllocator(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("extent allocator: alignment " + alignment
                    + " must be a positive power of two");
        }
        this.alignment = alignment;
    }

    public int alignment() {
        return alignment;
    }

    /** {@code length} rounded up to the alignment. */
    public long roundUp(long length) {
        return (length + alignment - 1) & -(long) alignment;
    }

    /**
     * Reserves {@code length} (positive) bytes rounded up to the alignment, at the lowest free
     * offset that holds them, else at the end (taking a free range that reaches the end).
     *
     * @return the offset; the range is {@code [offset, offset + roundUp(length))}
     */
    public synchronized long allocate(long length) {
        if (length <= 0 || length > Long.MAX_VALUE - alignment) {
            throw new IllegalArgumentException("allocate: length " + length + " must be positive");
        }
        long rounded = roundUp(length);
        for (Iterator<Map.Entry<Long, Long>> it = free.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Long> range = it.next();
            long offset = range.getKey();
            long rangeLength = range.getValue();
            if (rangeLength >= rounded) {
                it.remove();
                if (rangeLength > rounded) {
                    free.put(offset + rounded, rangeLength - rounded);
                }
                return take(offset, rounded, rounded);
            }
        }
        Map.Entry<Long, Long> last = free.lastEntry();
        if (last != null && last.getKey() + last.getValue() == end) {
            free.remove(last.getKey());
            long offset = last.getKey();
            long grown = rounded - last.getValue();
            end += grown;
            return take(offset, rounded, last.getValue());
        }
        long offset = end;
        end += rounded;
        return take(offset, rounded, 0);
    }

    private long take(long offset, long rounded, long fromFree) {
        allocated.put(offset, rounded);
        allocatedBytes += rounded;
        freeBytes -= fromFree;
        return offset;
    }

    /**
     * Gives back a range {@link #allocate} returned, for reuse.
     *
     * @param length the length asked for or the rounded one
     * @throws IllegalStateException if no allocation starts at {@code offset} with that length
     *                               (a double free, or space never allocated)
     */
    public synchronized void free(long offset, long length) {
        Long rounded = allocated.get(offset);
        if (rounded == null || length <= 0 || roundUp(length) != rounded) {
            throw new IllegalStateException("free of " + Units.formatBytes(length) + " at offset " + offset + ": "
                    + (rounded == null ? "no allocation starts there (freed twice, or never allocated)"
                            : "the allocation there is " + rounded + " bytes, not " + length));
        }
        allocated.remove(offset);
        allocatedBytes -= rounded;
        freeBytes += rounded;
        long start = offset;
        long stop = offset + rounded;
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            free.remove(start);
        }
        Long afterLength = free.remove(stop);
        if (afterLength != null) {
            stop += afterLength;
        }
        free.put(start, stop - start);
    }

    /** Whether {@code [offset, offset + length)} lies within one live allocation. */
    public synchronized boolean isAllocated(long offset, long length) {
        Map.Entry<Long, Long> owner = allocated.floorEntry(offset);
        return owner != null && length >= 0 && offset + length <= owner.getKey() + owner.getValue();
    }

    /** One past the highest byte ever allocated (the high-water mark; never shrinks). */
    public synchronized long end() {
        return end;
    }

    /** Bytes in live allocations (after rounding). */
    public synchronized long allocatedBytes() {
        return allocatedBytes;
    }

    /** Bytes in free ranges below {@link #end()}. */
    public synchronized long freeBytes() {
        return freeBytes;
    }

    @Override
    public synchronized String toString() {
        return "ExtentAllocator[alignment " + alignment + ", end " + end + ", allocated " + allocatedBytes
                + ", free " + free + "]";
    }
}
