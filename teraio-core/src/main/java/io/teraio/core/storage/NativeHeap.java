package io.teraio.core.storage;

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

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    /** {@code MAP_PRIVATE | MAP_ANONYMOUS} as Linux defines them. */
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT)
            .startsWith("linux");

    private NativeHeap() {
    }

    /**
     * A private anonymous mapping of {@code bytes} (page-aligned, zeroed, resident only once
     * touched), outside every malloc heap: {@link #unmap} gives it back to the system at once.
     *
     * @return its address, or 0 where mappings cannot be made here (not Linux, or no C library
     *         binding), for the caller to fall back to malloc
     * @throws OutOfMemoryError when the system refuses the mapping
     */
    static long map(long bytes) {
        Posix.LibC libc = Posix.libc();
        if (libc == null || !LINUX) {
            return 0;
        }
        long address = libc.mmap(null, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
        if (address == -1 || address == 0) {
            throw new OutOfMemoryError("could not map " + bytes + " bytes of anonymous memory");
        }
        return address;
    }

    /** Unmaps what {@link #map} mapped. */
    static void unmap(long address, long bytes) {
        Posix.libc().munmap(Posix.pointer(address), bytes);
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
        Posix.LibC libc = Posix.libc();
        if (libc == null) {
            return Posix.unavailableReason();
        }
        try {
            return libc.mallopt(M_MMAP_THRESHOLD, (int) bytes) == 1 ? null
                    : "mallopt(M_MMAP_THRESHOLD, " + bytes + ") refused it";
        } catch (LinkageError e) {
            return "the C library has no mallopt (" + e.getMessage() + "): not glibc";
        }
    }

    /**
     * Gives the system back the free pages glibc's heaps keep ({@code malloc_trim(0)}): not
     * only the top of each heap but every whole free page inside it, which a freed small
     * tensor leaves between blocks still in use. It walks every heap under its lock: a few
     * milliseconds for heaps of tens of MiB.
     *
     * @return {@code null} when it ran, else why not (not glibc, no C library binding)
     */
    public static String trim() {
        Posix.LibC libc = Posix.libc();
        if (libc == null) {
            return Posix.unavailableReason();
        }
        try {
            libc.malloc_trim(0);
            return null;
        } catch (LinkageError e) {
            return "the C library has no malloc_trim (" + e.getMessage() + "): not glibc";
        }
    }
}
