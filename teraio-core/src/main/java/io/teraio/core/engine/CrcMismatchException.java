package io.teraio.core.engine;

import io.teraio.core.storage.StorageException;

/**
 * A read (with {@code verify} on) returned bytes whose CRC32C differs from the one recorded
 * when they were written: the bytes on storage, or on their way back, are not the bytes the
 * tensor had. Not retried; counted in {@link IoStats#crcMismatches()}.
 */
public class CrcMismatchException extends StorageException {
    private static final long serialVersionUID = 1L;

    public CrcMismatchException(String message, String location, long offset) {
        super(message, location, offset, 0, null);
    }
}
