package io.teraio.core.storage;

/**
 * Space one {@link StorageBackend} reserved: {@code length} bytes (a multiple of the
 * backend's alignment) at {@code offset} in its file or memory.
 *
 * @param offset where it starts (not negative)
 * @param length how long it is (positive)
 */
public record Extent(long offset, long length) {
    public Extent {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("extent: offset " + offset + " must not be negative and length "
                    + length + " must be positive");
        }
    }

    /** One past the last byte. */
    public long end() {
        return offset + length;
    }
}
