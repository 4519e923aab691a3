package io.teraio.core.storage;

import java.nio.ByteBuffer;

/**
 * Where offloaded bytes live: one SSD directory ({@link PosixStorageBackend}) or host memory
 * ({@link HostStorageBackend}); the GDS bridge adds cuFile. An SPI: the migration engine
 * ({@code io.teraio.core.engine.IoEngine}) splits requests into tasks and calls these
 * methods from its worker threads, so implementations are thread-safe; the methods are
 * synchronous and move whole buffers.
 *
 * <p>Errors are {@link StorageException}s that name the operation, the file (its
 * {@link #location()}), the offset and the errno. Implementations are idempotent
 * {@link AutoCloseable}s; any call after {@link #close()} throws {@link IllegalStateException}.
 */
public interface StorageBackend extends AutoCloseable {
    /** The backend's name as in configuration and reports: {@code posix}, {@code host}. */
    String name();

    /** Where the bytes go, for messages: a file path, or {@code host memory}. */
    String location();

    /**
     * The alignment {@link #read} and {@link #write} need: offsets, lengths and buffer
     * addresses must be multiples of it (4096 for O_DIRECT files, 1 for host memory).
     */
    int alignment();

    /**
     * Reserves space for {@code length} bytes, rounded up to {@link #alignment()}, reusing
     * released space first.
     *
     * @throws StorageException with errno {@code ENOSPC} when the space cannot be had
     */
    Extent allocate(long length);

    /** Gives an extent's space back for reuse. Releasing an extent twice is a bug and throws. */
    void release(Extent extent);

    /**
     * Writes all of {@code src} (position to limit) at {@code offset} bytes into
     * {@code extent}; on return {@code src} has no bytes remaining.
     *
     * @return the bytes written ({@code src.remaining()} on entry)
     * @throws StorageException naming the file, the offset and the errno
     */
    long write(Extent extent, long offset, ByteBuffer src);

    /**
     * Fills {@code dst} (position to limit) from {@code offset} bytes into {@code extent};
     * a read that ends early (end of file) is an error, not a short count.
     *
     * @return the bytes read ({@code dst.remaining()} on entry)
     * @throws StorageException naming the file, the offset and the errno
     */
    long read(Extent extent, long offset, ByteBuffer dst);

    /** Bytes in allocated extents (after rounding). */
    long allocatedBytes();

    /** Releases the backend's files or memory; idempotent. */
    @Override
    void close();
}
