package io.teraio.core.storage;

import java.io.IOException;
import java.util.Map;

/**
 * The Linux errnos storage reports, with their names and the glibc messages Java's
 * {@link IOException}s carry ({@code FileChannel} throws {@code IOException("No space left
 * on device")} for ENOSPC; {@link #of(IOException)} maps it back).
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int EOPNOTSUPP = 95;
    public static final int EDQUOT = 122;

    private static final Map<Integer, String[]> KNOWN = Map.ofEntries(
            Map.entry(EPERM, new String[] {"EPERM", "Operation not permitted"}),
            Map.entry(ENOENT, new String[] {"ENOENT", "No such file or directory"}),
            Map.entry(EINTR, new String[] {"EINTR", "Interrupted system call"}),
            Map.entry(EIO, new String[] {"EIO", "Input/output error"}),
            Map.entry(EBADF, new String[] {"EBADF", "Bad file descriptor"}),
            Map.entry(ENOMEM, new String[] {"ENOMEM", "Cannot allocate memory"}),
            Map.entry(EACCES, new String[] {"EACCES", "Permission denied"}),
            Map.entry(EFAULT, new String[] {"EFAULT", "Bad address"}),
            Map.entry(EEXIST, new String[] {"EEXIST", "File exists"}),
            Map.entry(ENOTDIR, new String[] {"ENOTDIR", "Not a directory"}),
            Map.entry(EISDIR, new String[] {"EISDIR", "Is a directory"}),
            Map.entry(EINVAL, new String[] {"EINVAL", "Invalid argument"}),
            Map.entry(EFBIG, new String[] {"EFBIG", "File too large"}),
            Map.entry(ENOSPC, new String[] {"ENOSPC", "No space left on device"}),
            Map.entry(EROFS, new String[] {"EROFS", "Read-only file system"}),
            Map.entry(EOPNOTSUPP, new String[] {"EOPNOTSUPP", "Operation not supported"}),
            Map.entry(EDQUOT, new String[] {"EDQUOT", "Disk quota exceeded"}));

    private Errno() {
    }

    /** {@code ENOSPC} for 28; {@code errno N} for one this class does not know; {@code unknown errno} for 0. */
    public static String name(int errno) {
        String[] known = KNOWN.get(errno);
        return known != null ? known[0] : errno == 0 ? "unknown errno" : "errno " + errno;
    }

    /** {@code No space left on device} for 28; {@code ""} for one this class does not know. */
    public static String message(int errno) {
        String[] known = KNOWN.get(errno);
        return known != null ? known[1] : "";
    }

    /** {@code ENOSPC (No space left on device)}, the form messages use. */
    public static String describe(int errno) {
        String message = message(errno);
        return message.isEmpty() ? name(errno) : name(errno) + " (" + message + ")";
    }

    /** The errno whose glibc message is the exception's message (or ends it), or 0. */
    public static int of(IOException e) {
        String text = e.getMessage();
        if (text == null) {
            return 0;
        }
        for (Map.Entry<Integer, String[]> known : KNOWN.entrySet()) {
            if (text.equals(known.getValue()[1]) || text.endsWith(": " + known.getValue()[1])) {
                return known.getKey();
            }
        }
        return 0;
    }
}
