package io.teraio.core.storage;

import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;

/**
 * The POSIX calls Java lacks ({@code fallocate}, {@code mmap}, glibc's {@code mallopt}), through
 * jnr-ffi; the one place their errnos are read. Loads lazily: where libc cannot be bound,
 * {@link #unavailableReason()} says why and callers fall back.
 */
final class Posix {
    /** {@code fallocate}'s result when libc could not be bound. */
    static final int UNAVAILABLE = -1;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;

    /** The libc functions used; public for jnr's proxy generation, not API. */
    public interface LibC {
        @SaveError
        int open(String path, int flags);

        @SaveError
        int fallocate(int fd, int mode, long offset, long length);

        @SaveError
        int close(int fd);

        int mallopt(int param, int value);

        int malloc_trim(@size_t long pad);

        // the address as a Pointer: jnr-ffi 2.3.2 passes a leading long so that mmap fails with EINVAL
        long mmap(Pointer address, @size_t long length, int protection, int flags, int fd, @off_t long offset);

        int munmap(Pointer address, @size_t long length);
    }

    private static final class Holder {
        static final LibC LIBC;
        static final jnr.ffi.Runtime RUNTIME;
        static final String UNAVAILABLE_REASON;

        static {
            LibC libc = null;
            jnr.ffi.Runtime runtime = null;
            String reason = null;
            try {
                libc = LibraryLoader.create(LibC.class).load("c");
                runtime = jnr.ffi.Runtime.getRuntime(libc);
            } catch (LinkageError | RuntimeException e) {
                reason = "libc could not be bound through jnr-ffi (" + e + ")";
            }
            LIBC = libc;
            RUNTIME = runtime;
            UNAVAILABLE_REASON = reason;
        }
    }

    private Posix() {
    }

    /** The C library, or {@code null} where it could not be bound ({@link #unavailableReason()} says why). */
    static LibC libc() {
        return Holder.LIBC;
    }

    /** A pointer to {@code address} for calls that take one. */
    static Pointer pointer(long address) {
        return Pointer.wrap(Holder.RUNTIME, address);
    }

    /** Why the native calls cannot be made here, or {@code null} when they can. */
    static String unavailableReason() {
        return Holder.UNAVAILABLE_REASON;
    }

    /**
     * Reserves {@code [offset, offset + length)} of {@code file} on disk (mode 0: the file
     * grows to cover it), through a file descriptor of its own.
     *
     * @return 0 on success, the errno of {@code open} or {@code fallocate} on failure, or
     *         {@link #UNAVAILABLE}
     */
    static int fallocate(Path file, long offset, long length) {
        LibC libc = Holder.LIBC;
        if (libc == null) {
            return UNAVAILABLE;
        }
        int fd = libc.open(file.toString(), O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            return errno();
        }
        try {
            int rc = libc.fallocate(fd, 0, offset, length);
            return rc == 0 ? 0 : errno();
        } finally {
            libc.close(fd);
        }
    }

    private static int errno() {
        int errno = Holder.RUNTIME.getLastError();
        return errno == 0 ? Errno.EIO : errno;
    }
}
