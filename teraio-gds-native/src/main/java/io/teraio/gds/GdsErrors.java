package io.teraio.gds;

import io.teraio.core.storage.Errno;
import io.teraio.core.storage.StorageException;

/**
 * The one place the shim's codes become messages and exceptions. A code is a cuFile
 * {@code CUfileOpError} (5001 and up) or an errno (below 5000); names and meanings come from
 * the shim's table ({@code teraio_gds_helpers.c}), so the C test checks them too.
 */
final class GdsErrors {
    static final int CUFILE_ERROR_BASE = 5000;
    static final int CU_FILE_CUDA_DRIVER_ERROR = 5011;

    private GdsErrors() {
    }

    /** {@code 5010 (CU_FILE_NVFS_DRIVER_ERROR: the nvidia-fs kernel driver is not loaded or failed)}. */
    static String describe(int code) {
        return code + " (" + CuFileNative.errorName0(code) + ": " + CuFileNative.errorMeaning0(code) + ")";
    }

    /** The {@code CUfileOpError} of a packed {@code CUfileError_t}. */
    static int err(long packed) {
        return (int) (packed >>> 32);
    }

    /** The {@code CUresult} of a packed {@code CUfileError_t}. */
    static int cuErr(long packed) {
        return (int) packed;
    }

    /** The message of a packed error: the code, and the CUDA driver's result when it is a CUDA driver error. */
    static String describePacked(long packed) {
        String text = describe(err(packed));
        if (err(packed) == CU_FILE_CUDA_DRIVER_ERROR || cuErr(packed) != 0) {
            text += ", CUDA driver result " + cuErr(packed);
        }
        return text;
    }

    /** Throws a {@link GdsException} for a call that returned a packed error; returns when it is 0. */
    static void check(long packed, String operation) {
        if (packed != 0) {
            throw new GdsException(operation + " failed with code " + describePacked(packed), err(packed));
        }
    }

    /**
     * The bytes a hot-path call moved, or a {@link StorageException} for its negative code,
     * naming the operation, the file and the offset; a short count is an error too (EIO).
     */
    static long bytes(long result, long expected, String operation, String location, long fileOffset) {
        if (result == expected) {
            return result;
        }
        if (result >= 0) {
            return fail(operation + " of " + expected + " bytes at offset " + fileOffset + " of " + location
                    + " moved only " + result + " bytes: " + describe(Errno.EIO), location,
                    fileOffset, Errno.EIO);
        }
        int code = (int) -result;
        String message = operation + " of " + expected + " bytes at offset " + fileOffset + " of " + location
                + " failed with code " + describe(code);
        if (code < CUFILE_ERROR_BASE) {
            return fail(message, location, fileOffset, code);
        }
        // a StorageException carries an errno: cuFile's own codes travel as EIO, named in the message
        return fail(message + ", as " + Errno.name(Errno.EIO), location, fileOffset, Errno.EIO);
    }

    private static long fail(String message, String location, long offset, int errno) {
        throw new StorageException(message, location, offset, errno, null);
    }
}
