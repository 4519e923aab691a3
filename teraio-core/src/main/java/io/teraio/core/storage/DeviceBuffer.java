package io.teraio.core.storage;

import java.nio.ByteBuffer;

/**
 * One allocation of {@link DeviceMemory}: {@link #bytes()} bytes, 4096-aligned at its start.
 * {@link #close()} frees it (idempotent); any other call after it throws
 * {@link IllegalStateException}. Not thread-safe for concurrent writes to the same bytes;
 * the engine never lets two transfers touch one buffer at once.
 */
public interface DeviceBuffer extends AutoCloseable {
    long bytes();

    /**
     * A direct {@link ByteBuffer} over {@code [offset, offset + length)} of this buffer's
     * memory (position 0, limit {@code length}), for I/O straight from or into it; or
     * {@code null} when the memory is not host-addressable (CUDA), in which case the engine
     * goes through {@link #copyToHost} and {@link #copyFromHost}.
     */
    ByteBuffer hostView(long offset, int length);

    /** Copies {@code dst.remaining()} bytes from {@code offset} of this buffer into {@code dst}. */
    void copyToHost(long offset, ByteBuffer dst);

    /** Copies {@code src.remaining()} bytes into this buffer at {@code offset}. */
    void copyFromHost(long offset, ByteBuffer src);

    /** Whether {@link #close()} has run. */
    boolean isClosed();

    /** Frees the memory and wakes whoever waits for it; idempotent. */
    @Override
    void close();
}
