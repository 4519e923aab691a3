package io.teraio.core.internal.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The POSIX and glibc calls Java lacks ({@code fallocate}, {@code mmap}, {@code posix_memalign},
 * {@code mallopt}, {@code malloc_trim}, and direct buffers over native memory), through
 * teraio's own JNI library ({@code src/main/c/teraio_posix.c}, in this jar); the one place
 * their errnos are read. Loads on first use: where the library cannot be loaded,
 * {@link #unavailableReason()} says why and callers fall back.
 */
public final class Posix {
    /** {@code fallocate}'s result when the library is not loaded. */
    public static final int UNAVAILABLE = -1;
    /** The system property naming a {@code libteraio_posix.so} to load instead of the jar's. */
    static final String PROPERTY = "teraio.posix.nativeLibrary";
    /** The library's {@code TERAIO_POSIX_ABI}. */
    static final int ABI_VERSION = 1;

    private static final class Holder {
        static final String UNAVAILABLE_REASON = load();

        private static String load() {
            String where;
            try {
                where = NativeLibraries.load(Posix.class, "teraio_posix", PROPERTY);
            } catch (IOException | LinkageError | SecurityException e) {
                return "teraio's POSIX library (libteraio_posix.so) could not be loaded: " + e.getMessage();
            }
            try {
                int abi = abiVersion0();
                return abi == ABI_VERSION ? null : "teraio's POSIX library from " + where + " has ABI version " + abi
                        + ", this jar needs " + ABI_VERSION + " (a library from another build)";
            } catch (LinkageError e) {
                return "teraio's POSIX library from " + where + " lacks its functions: " + e;
            }
        }
    }

    private Posix() {
    }

    /** Why the native calls cannot be made here, or {@code null} when they can. */
    public static String unavailableReason() {
        return Holder.UNAVAILABLE_REASON;
    }

    static boolean available() {
        return Holder.UNAVAILABLE_REASON == null;
    }

    /**
     * Reserves {@code [offset, offset + length)} of {@code file} on disk (mode 0: the file
     * grows to cover it), through a file descriptor of its own.
     *
     * @return 0 on success, the errno of {@code open} or {@code fallocate} on failure, or
     *         {@link #UNAVAILABLE}
     */
    public static int fallocate(Path file, long offset, long length) {
        return available() ? fallocate0(file.toString(), offset, length) : UNAVAILABLE;
    }

    /** A private anonymous mapping of {@code bytes}: its address, 0 when refused. Needs {@link #available()}. */
    static long map(long bytes) {
        return map0(bytes);
    }

    /** Unmaps what {@link #map} mapped; 0 or the errno. */
    static int unmap(long address, long bytes) {
        return unmap0(address, bytes);
    }

    /** {@code bytes} of malloc'd memory aligned to {@code alignment}: the address, or 0 when there is none. */
    static long allocate(long bytes, long alignment) {
        return allocate0(bytes, alignment);
    }

    /** Frees what {@link #allocate} returned. */
    static void free(long address) {
        free0(address);
    }

    /** A direct buffer over {@code [address, address + length)}. */
    static ByteBuffer view(long address, int length) {
        return view0(address, length);
    }

    /** glibc's {@code mallopt}: whether it took the value. */
    static boolean mallopt(int param, int value) {
        return mallopt0(param, value) == 1;
    }

    /** glibc's {@code malloc_trim(pad)}. */
    static void mallocTrim(long pad) {
        mallocTrim0(pad);
    }

    private static native int abiVersion0();

    private static native int fallocate0(String path, long offset, long length);

    private static native long map0(long bytes);

    private static native int unmap0(long address, long bytes);

    private static native long allocate0(long bytes, long alignment);

    private static native void free0(long address);

    private static native ByteBuffer view0(long address, int length);

    private static native int mallopt0(int param, int value);

    private static native int mallocTrim0(long pad);
}
