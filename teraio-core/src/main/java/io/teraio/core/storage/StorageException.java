package io.teraio.core.storage;

import io.teraio.core.TeraioException;

/**
 * A storage operation failed. The message names the operation, the file (or {@code host
 * memory}), the offset and the errno with its meaning, for example
 * {@code write of 4.00 MiB at offset 8388608 of /nvme0/teraio-run-1234/data failed: ENOSPC (No space left on device)}.
 */
public class StorageException extends TeraioException {
    private static final long serialVersionUID = 1L;
    private final String location;
    private final long offset;
    private final int errno;

    /**
     * @param message  the whole message
     * @param location the file or {@code host memory}
     * @param offset   the byte offset in it, or -1 when none applies
     * @param errno    the Linux errno, or 0 when unknown
     */
    public StorageException(String message, String location, long offset, int errno, Throwable cause) {
        super(message, cause);
        this.location = location;
        this.offset = offset;
        this.errno = errno;
    }

    public String location() {
        return location;
    }

    public long offset() {
        return offset;
    }

    /** The Linux errno ({@link Errno#ENOSPC}, {@link Errno#EIO}, ...), or 0 when unknown. */
    public int errno() {
        return errno;
    }
}
