package io.teraio.core.internal.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Off-heap memory outside the Java heap and its direct-memory limit, aligned to 4096 bytes
 * and freed at once by {@link #close()} (not by the garbage collector), so gigabytes can be
 * allocated and freed per op. Its content is not cleared. Views are {@link ByteBuffer}s of at
 * most 2 GiB each; a view must not be used after close. Idempotent {@link AutoCloseable}.
 */
public final class NativeBlock implements AutoCloseable {
    /** The alignment of every block's start. */
    public static final int ALIGNMENT = 4096;

    /** Blocks of at least this many bytes are mappings of their own, not malloc'd. */
    static final long MAP_MIN_BYTES = 64 << 10;

    private final long address;
    private final long bytes;
    /** The length of its mapping, or 0 for a malloc'd block. */
    private final long mappedBytes;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * A view of the whole block (of at most 2 GiB), made on first use, that {@link #view}
     * slices: a slice costs no JNI call, where a new view costs one ({@code NewDirectByteBuffer},
     * about 5% of an I/O worker's CPU at queue depth 1, docs/io-results.md). Never handed out
     * itself, so its position and limit never change.
     */
    private volatile ByteBuffer whole;

    private NativeBlock(long address, long bytes, long mappedBytes) {
        this.address = address;
        this.bytes = bytes;
        this.mappedBytes = mappedBytes;
    }

    /**
     * Allocates {@code bytes} (positive) of native memory aligned to {@link #ALIGNMENT}. A block
     * of {@link #MAP_MIN_BYTES} or more is an anonymous mapping of its own (on Linux), so that
     * closing it gives its memory back to the system at once, whichever thread allocated it; a
     * malloc'd block's pages would stay in the heap of the thread that allocated it.
     *
     * @throws OutOfMemoryError when the system has no such memory
     * @throws IllegalStateException where teraio's POSIX library cannot be loaded (its reason)
     */
    public static NativeBlock allocate(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("NativeBlock: bytes must be positive, got " + bytes);
        }
        if (bytes >= MAP_MIN_BYTES) {
            long mapped = (bytes + ALIGNMENT - 1) & -ALIGNMENT;
            long address = NativeHeap.map(mapped);
            if (address != 0) {
                return new NativeBlock(address, bytes, mapped);
            }
        }
        if (!Posix.available()) {
            throw new IllegalStateException("cannot allocate native memory: " + Posix.unavailableReason());
        }
        long address = Posix.allocate(bytes, ALIGNMENT);
        if (address == 0) {
            throw new OutOfMemoryError("could not allocate " + bytes + " bytes of native memory");
        }
        return new NativeBlock(address, bytes, 0);
    }

    public long bytes() {
        return bytes;
    }

    /** The address of the first byte (a multiple of {@link #ALIGNMENT}). */
    public long address() {
        checkOpen();
        return address;
    }

    /** A direct buffer over {@code [offset, offset + length)}, position 0, limit {@code length}. */
    public ByteBuffer view(long offset, int length) {
        checkOpen();
        if (offset < 0 || length < 0 || offset + length > bytes) {
            throw new IndexOutOfBoundsException("view [" + offset + ", " + (offset + length) + ") of a block of "
                    + bytes + " bytes");
        }
        if (bytes > Integer.MAX_VALUE) {
            return Posix.view(address + offset, length);
        }
        ByteBuffer w = whole;
        if (w == null) {
            whole = w = Posix.view(address, (int) bytes);
        }
        return w.slice((int) offset, length);
    }

    /** Copies {@code dst.remaining()} bytes from {@code offset} into {@code dst} (advancing it). */
    public void copyTo(long offset, ByteBuffer dst) {
        int n = dst.remaining();
        ByteBuffer src = view(offset, n);
        dst.put(src);
    }

    /** Copies {@code src.remaining()} bytes into this block at {@code offset} (advancing {@code src}). */
    public void copyFrom(long offset, ByteBuffer src) {
        int n = src.remaining();
        view(offset, n).put(src);
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (mappedBytes > 0) {
                NativeHeap.unmap(address, mappedBytes);
            } else {
                Posix.free(address);
            }
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("native block of " + bytes + " bytes used after close");
        }
    }
}
