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
    /** The backend's name as in configuration and reports: {@code posix}, {@code host}, {@code gds}. */
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

    /**
     * Whether this backend moves {@code buffer}'s bytes itself, straight from and into device
     * memory (cuFile), for buffers that have no {@link DeviceBuffer#hostView host view}. The
     * engine then calls {@link #writeDevice} and {@link #readDevice} instead of staging the
     * bytes in a host bounce buffer. Only when it does not verify CRCs, which need the bytes
     * on the host.
     */
    default boolean movesDirectly(DeviceBuffer buffer) {
        return false;
    }

    /**
     * Writes {@code length} bytes from {@code bufferOffset} of {@code src} at {@code offset}
     * bytes into {@code extent}, padding with zeros to {@link #alignment()} where the backend
     * needs it; only for buffers {@link #movesDirectly} accepts.
     *
     * @return {@code length}
     * @throws StorageException naming the file, the offset and the error code
     */
    default long writeDevice(Extent extent, long offset, DeviceBuffer src, long bufferOffset, int length) {
        throw new UnsupportedOperationException(name() + " storage does not move device buffers");
    }

    /**
     * Reads {@code length} bytes at {@code offset} bytes into {@code extent} into {@code dst}
     * at {@code bufferOffset}; only for buffers {@link #movesDirectly} accepts.
     *
     * @return {@code length}
     * @throws StorageException naming the file, the offset and the error code
     */
    default long readDevice(Extent extent, long offset, DeviceBuffer dst, long bufferOffset, int length) {
        throw new UnsupportedOperationException(name() + " storage does not move device buffers");
    }

    /** Bytes in allocated extents (after rounding). */
    long allocatedBytes();

    /** Releases the backend's files or memory; idempotent. */
    @Override
    void close();
}
