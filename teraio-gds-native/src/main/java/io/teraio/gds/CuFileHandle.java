package io.teraio.gds;

import io.teraio.core.storage.Errno;
import io.teraio.core.storage.StorageException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One file registered with cuFile: opened read-write with O_DIRECT by the shim, registered
 * with {@code cuFileHandleRegister}; {@link #read} and {@link #write} move bytes between it and
 * CUDA memory. Thread-safe (cuFile handles are); an idempotent {@link AutoCloseable}
 * (deregisters, then closes the descriptor); any call after close throws
 * {@link IllegalStateException}.
 */
public final class CuFileHandle implements AutoCloseable {
    private final String location;
    private final int fd;
    private final long handle;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Opens and registers {@code file} (which must exist).
     *
     * @throws StorageException naming the file and the errno when it cannot be opened
     * @throws GdsException     naming the file and the cuFile code when registration fails
     */
    public CuFileHandle(Path file) {
        Gds.checkAvailable();
        this.location = file.toString();
        int opened = CuFileNative.open0(location);
        if (opened < 0) {
            throw new StorageException("open of " + location + " with O_DIRECT for cuFile failed: "
                    + Errno.describe(-opened), location, -1, -opened, null);
        }
        this.fd = opened;
        long[] out = new long[1];
        long packed = CuFileNative.handleRegister0(fd, out);
        if (packed != 0) {
            CuFileNative.close0(fd);
            GdsErrors.check(packed, "cuFileHandleRegister of " + location);
        }
        this.handle = out[0];
    }

    /**
     * Reads {@code size} bytes at {@code fileOffset} into CUDA memory at {@code address +
     * bufferOffset}.
     *
     * @return {@code size}
     * @throws StorageException naming the file, offset and code (a short read included)
     */
    public long read(long address, long size, long fileOffset, long bufferOffset) {
        checkOpen();
        checkArgs("read", size, fileOffset, bufferOffset);
        long n = CuFileNative.read0(handle, address, size, fileOffset, bufferOffset);
        return GdsErrors.bytes(n, size, "cuFileRead", location, fileOffset);
    }

    /** Writes {@code size} bytes from CUDA memory at {@code address + bufferOffset} at {@code fileOffset}. */
    public long write(long address, long size, long fileOffset, long bufferOffset) {
        checkOpen();
        checkArgs("write", size, fileOffset, bufferOffset);
        long n = CuFileNative.write0(handle, address, size, fileOffset, bufferOffset);
        return GdsErrors.bytes(n, size, "cuFileWrite", location, fileOffset);
    }

    /** The registered handle, for {@link GdsBatch}. */
    long handle() {
        checkOpen();
        return handle;
    }

    public String location() {
        return location;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            CuFileNative.handleDeregister0(handle);
            CuFileNative.close0(fd);
        }
    }

    private void checkArgs(String op, long size, long fileOffset, long bufferOffset) {
        // the shim's teraio_gds_check_io, in Java: no extra JNI call per transfer
        if (size <= 0 || size > Integer.MAX_VALUE || fileOffset < 0 || bufferOffset < 0
                || fileOffset > Long.MAX_VALUE - size || bufferOffset > Long.MAX_VALUE - size) {
            throw new IllegalArgumentException("cuFile " + op + " of " + size + " bytes at offset " + fileOffset
                    + " of " + location + " (buffer offset " + bufferOffset + "): the size must be in [1, 2^31 - 1]"
                    + " and the offsets not negative");
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("cuFile handle of " + location + " used after close");
        }
    }
}
