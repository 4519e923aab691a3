package io.teraio.core.internal.storage;

/**
 * The C library's allocator (glibc's malloc), told to give freed memory back to the system,
 * and anonymous mappings for the engine's own blocks ({@link NativeBlock}), which no malloc
 * heap keeps. glibc serves allocations under its mmap threshold from heaps it keeps: a freed tensor's
 * pages stay in the process (RSS does not fall) until something else reuses them. The
 * threshold starts at 128 KiB but rises, up to 32 MiB, each time a large block is freed, so a
 * training job that frees tensors of a few MiB soon keeps them all. Setting it once pins it:
 * every block at or over it is its own mapping, unmapped when freed. Through {@link Posix}; where the
 * C library has no such call (not glibc), the methods say so and change nothing.
 */
public final class NativeHeap {
    /** glibc's {@code M_MMAP_THRESHOLD} parameter of {@code mallopt}. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** The largest threshold glibc takes on 64-bit ({@code HEAP_MAX_SIZE / 2}). */
    public static final long MAX_MMAP_THRESHOLD_BYTES = 32L << 20;

    private NativeHeap() {
    }

    /**
     * A private anonymous mapping of {@code bytes} (page-aligned, zeroed, resident only once
     * touched), outside every malloc heap: {@link #unmap} gives it back to the system at once.
     *
     * @return its address, or 0 where mappings cannot be made here (teraio's POSIX library is not
     *         loaded), for the caller to fall back
     * @throws OutOfMemoryError when the system refuses the mapping
     */
    static long map(long bytes) {
        if (!Posix.available()) {
            return 0;
        }
        long address = Posix.map(bytes);
        if (address == 0) {
            throw new OutOfMemoryError("could not map " + bytes + " bytes of anonymous memory");
        }
        return address;
    }

    /** Unmaps what {@link #map} mapped. */
    static void unmap(long address, long bytes) {
        Posix.unmap(address, bytes);
    }

    /**
     * Sets the mmap threshold to {@code bytes}: from now on every allocation of at least that
     * many bytes is a mapping of its own, returned to the system when freed.
     *
     * @return {@code null} when it was set, else why not
     * @throws IllegalArgumentException for bytes that are not in (0, {@link #MAX_MMAP_THRESHOLD_BYTES}]
     */
    public static String setMmapThreshold(long bytes) {
        if (bytes <= 0 || bytes > MAX_MMAP_THRESHOLD_BYTES) {
            throw new IllegalArgumentException("mmap threshold " + bytes + " must be in (0, "
                    + MAX_MMAP_THRESHOLD_BYTES + "] bytes");
        }
        if (!Posix.available()) {
            return Posix.unavailableReason();
        }
        return Posix.mallopt(M_MMAP_THRESHOLD, (int) bytes) ? null : "mallopt(M_MMAP_THRESHOLD, " + bytes + ") refused it";
    }

    /**
     * Gives the system back the free pages glibc's heaps keep ({@code malloc_trim(0)}): not
     * only the top of each heap but every whole free page inside it, which a freed small
     * tensor leaves between blocks still in use. It walks every heap under its lock: a few
     * milliseconds for heaps of tens of MiB.
     *
     * @return {@code null} when it ran, else why not (teraio's POSIX library, built for glibc, is not loaded)
     */
    public static String trim() {
        if (!Posix.available()) {
            return Posix.unavailableReason();
        }
        Posix.mallocTrim(0);
        return null;
    }
}
