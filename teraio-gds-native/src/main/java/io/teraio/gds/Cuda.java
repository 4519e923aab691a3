package io.teraio.gds;

import io.teraio.core.TeraioException;
import io.teraio.core.storage.Availability;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaDeviceProp;
import jcuda.runtime.cudaError;

/**
 * The CUDA runtime through JCuda, for what the bridge needs: whether there is a driver and a
 * device, the devices' names and memory, and CUDA calls whose failures become
 * {@link TeraioException}s naming the call and the {@code cudaError}. JCuda's natives link
 * CUDA 12; without a driver they fail to load ({@link LinkageError}) or return
 * {@code cudaErrorInsufficientDriver} / {@code cudaErrorNoDevice}: both are reported as the
 * reason, never thrown from {@link #availability}.
 */
public final class Cuda {
    private static final ThreadLocal<int[]> CURRENT = ThreadLocal.withInitial(() -> new int[] {-1});
    private static Availability runtimeState;

    private Cuda() {
    }

    /** One CUDA device. */
    public record DeviceInfo(int id, String name, long memoryBytes, int major, int minor) {
    }

    /** Whether device {@code device} can be used, and why not: no JCuda natives, no driver, no such device. */
    public static Availability availability(int device) {
        Availability runtime = runtime();
        if (!runtime.available()) {
            return runtime;
        }
        int count = deviceCount();
        if (device < 0 || device >= count) {
            return Availability.no("no CUDA device " + device + ": the driver reports " + count + " (0 to "
                    + (count - 1) + ")");
        }
        return Availability.yes("CUDA device " + device + " of " + count + ", " + runtime.reason());
    }

    /** Whether JCuda loads and the driver reports a device; the first answer is kept (a failed load stays failed). */
    private static synchronized Availability runtime() {
        if (runtimeState == null) {
            runtimeState = probeRuntime();
        }
        return runtimeState;
    }

    private static Availability probeRuntime() {
        try {
            int[] n = new int[1];
            int code = JCuda.cudaGetDeviceCount(n);
            if (code != cudaError.cudaSuccess) {
                return Availability.no("no GPU: cudaGetDeviceCount failed with " + describe(code));
            }
            if (n[0] == 0) {
                return Availability.no("no GPU: the CUDA driver reports no devices");
            }
            int[] version = new int[1];
            JCuda.cudaDriverGetVersion(version);
            return Availability.yes("driver API " + version[0] / 1000 + "." + version[0] % 1000 / 10);
        } catch (LinkageError e) {
            return Availability.no("no CUDA runtime: JCuda's natives could not be loaded (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            return Availability.no("no CUDA runtime: JCuda failed: " + e.getMessage());
        }
    }

    private static int deviceCount() {
        int[] n = new int[1];
        check(JCuda.cudaGetDeviceCount(n), "cudaGetDeviceCount");
        return n[0];
    }

    /** The devices the driver reports; empty when there is none or no driver. */
    public static List<DeviceInfo> devices() {
        List<DeviceInfo> list = new ArrayList<>();
        if (!runtime().available()) {
            return list;
        }
        for (int i = 0, n = deviceCount(); i < n; i++) {
            cudaDeviceProp prop = new cudaDeviceProp();
            check(JCuda.cudaGetDeviceProperties(prop, i), "cudaGetDeviceProperties(" + i + ")");
            list.add(new DeviceInfo(i, prop.getName(), prop.totalGlobalMem, prop.major, prop.minor));
        }
        return list;
    }

    /** Makes {@code device} current on this thread (once per thread and device). */
    static void use(int device) {
        int[] current = CURRENT.get();
        if (current[0] != device) {
            check(JCuda.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
            current[0] = device;
        }
    }

    /** Throws a {@link TeraioException} naming {@code call} and the error when {@code code} is not success. */
    static void check(int code, String call) {
        if (code != cudaError.cudaSuccess) {
            throw new TeraioException(call + " failed with " + describe(code));
        }
    }

    /** {@code 35 (cudaErrorInsufficientDriver)}. */
    static String describe(int code) {
        return "code " + code + " (" + cudaError.stringFor(code) + ")";
    }

    /** The address a JCuda pointer holds (JCuda keeps it protected). */
    static long address(Pointer pointer) {
        return Address.of(pointer);
    }

    /** Reads NativePointerObject's protected address through a subclass. */
    private static final class Address extends Pointer {
        private Address(Pointer p) {
            super(p);
        }

        static long of(Pointer p) {
            Address a = new Address(p);
            return a.getNativePointer() + a.getByteOffset();
        }
    }
}
