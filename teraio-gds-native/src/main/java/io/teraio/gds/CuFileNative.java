package io.teraio.gds;

/**
 * Every native method of the GDS shim ({@code libteraio_gds.so}, built from
 * {@code src/main/c}), and nothing else. Codes: calls that return a {@code CUfileError_t} return
 * it packed (0, or the {@code CUfileOpError} in the high 32 bits and the {@code CUresult} in the
 * low ones); the hot path returns bytes or a negative code ({@code -errno}, or
 * {@code -CUfileOpError} from 5001 up). {@link GdsErrors} decodes them. Callers check their
 * arguments first; the shim checks them again and never exits, aborts or prints.
 */
final class CuFileNative {
    /** The ABI this class was written for; {@link NativeLibrary} checks the shim's at load. */
    static final int ABI_VERSION = 1;

    private CuFileNative() {
    }

    static native int abiVersion0();

    /** dlopens {@code path} ({@code libcufile.so.0} through the system loader when null): null, or why not. */
    static native String load0(String path);

    static native String loadedPath0();

    static native boolean hasBatch0();

    static native int version0();

    static native String errorName0(int code);

    static native String errorMeaning0(int code);

    static native int checkIo0(long size, long fileOffset, long bufferOffset);

    static native long driverOpen0();

    static native long driverClose0();

    static native int open0(String path);

    static native int close0(int fd);

    static native long handleRegister0(int fd, long[] handle);

    static native void handleDeregister0(long handle);

    static native long bufRegister0(long address, long length, int flags);

    static native long bufDeregister0(long address);

    static native long read0(long handle, long address, long size, long fileOffset, long bufferOffset);

    static native long write0(long handle, long address, long size, long fileOffset, long bufferOffset);

    static native long batchSetUp0(int max, long[] batch);

    static native long batchSubmit0(long batch, int n, long[] handles, long[] addresses, long[] sizes,
                                    long[] fileOffsets, long[] bufferOffsets, int[] writes);

    static native int batchStatus0(long batch, int min, long timeoutNanos, int[] cookies, int[] statuses, long[] rets);

    static native void batchDestroy0(long batch);
}
