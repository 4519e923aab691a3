package io.teraio.examples.custom;

import io.teraio.core.TeraioException;
import io.teraio.core.storage.Availability;
import io.teraio.gds.Cuda;
import io.teraio.gds.CudaDeviceMemory;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA compute backend: the kernels of {@code mlp_kernels.cu}, loaded from the PTX
 * resource {@code mlp_kernels.ptx} (the driver compiles it for the device) and launched
 * through the JCuda driver API on buffers of {@link CudaDeviceMemory} (the session must use
 * {@code memory=cuda} on the same device). It works in the device's primary context, the one
 * the CUDA runtime (and so {@code CudaDeviceMemory}'s {@code cudaMalloc}) uses, and launches on
 * a stream of its own that does not wait for the engine's copies; each launch is waited for
 * before it returns, so the session may move its buffers right after. Needs only the driver
 * ({@code libcuda.so.1}): no NVRTC, no cuBLAS. An idempotent {@link AutoCloseable}.
 */
final class CudaKernels extends LaunchedKernels {
    /** The PTX, a resource next to this class. */
    static final String PTX_RESOURCE = "mlp_kernels.ptx";

    private final int device;
    private final CUdevice cuDevice = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final CUstream stream = new CUstream();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private boolean retained;
    private boolean loaded;
    private boolean streamCreated;
    private boolean closed;

    private CudaKernels(int device) {
        this.device = device;
    }

    /**
     * Whether the kernels can run on {@code device}: a CUDA device the runtime reports, and the
     * driver API's natives load and initialise.
     */
    static Availability availability(int device) {
        Availability cuda = Cuda.availability(device);
        if (!cuda.available()) {
            return cuda;
        }
        try {
            int code = JCudaDriver.cuInit(0);
            if (code != CUresult.CUDA_SUCCESS) {
                return Availability.no("the CUDA driver API: cuInit failed with " + describe(code));
            }
        } catch (LinkageError e) {
            return Availability.no("JCuda's driver API natives could not be loaded (" + e.getMessage() + ")");
        }
        return cuda;
    }

    /**
     * Loads the kernels on {@code device} and makes its primary context current on this thread.
     *
     * @throws TeraioException naming the reason when the device cannot be used or a driver call fails
     */
    static CudaKernels open(int device) {
        Availability a = availability(device);
        if (!a.available()) {
            throw new TeraioException("compute cuda on device " + device + ": " + a.reason());
        }
        CudaKernels kernels = new CudaKernels(device);
        try {
            kernels.load();
            return kernels;
        } catch (RuntimeException e) {
            kernels.close();
            throw e;
        }
    }

    private void load() {
        check(JCudaDriver.cuDeviceGet(cuDevice, device), "cuDeviceGet(" + device + ")");
        check(JCudaDriver.cuDevicePrimaryCtxRetain(context, cuDevice), "cuDevicePrimaryCtxRetain(" + device + ")");
        retained = true;
        check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        check(JCudaDriver.cuModuleLoadData(module, ptx()), "cuModuleLoadData(" + PTX_RESOURCE + ")");
        loaded = true;
        for (String kernel : KERNELS) {
            CUfunction f = new CUfunction();
            check(JCudaDriver.cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction(" + kernel + ")");
            functions.put(kernel, f);
        }
        check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        streamCreated = true;
    }

    /** The PTX resource's bytes, NUL-terminated as cuModuleLoadData wants text. */
    static byte[] ptx() {
        try (InputStream in = CudaKernels.class.getResourceAsStream(PTX_RESOURCE)) {
            if (in == null) {
                throw new TeraioException("compute cuda: the resource " + PTX_RESOURCE
                        + " is missing from the class path");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new TeraioException("compute cuda: cannot read the resource " + PTX_RESOURCE + ": " + e.getMessage(),
                    e);
        }
    }

    @Override
    protected void launch(Launch launch) {
        if (closed) {
            throw new IllegalStateException("CUDA kernels on device " + device + " used after close");
        }
        List<Object> args = launch.args();
        Pointer[] params = new Pointer[args.size()];
        for (int i = 0; i < params.length; i++) {
            Object arg = args.get(i);
            if (arg instanceof BufferArg b) {
                params[i] = Pointer.to(new long[] {CudaDeviceMemory.deviceAddress(b.buffer())});
            } else if (arg instanceof Integer v) {
                params[i] = Pointer.to(new int[] {v});
            } else {
                params[i] = Pointer.to(new float[] {(Float) arg});
            }
        }
        String what = launch.kernel() + " (" + launch.blocks() + " blocks of " + BLOCK_THREADS + " threads) on device "
                + device;
        check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        check(JCudaDriver.cuLaunchKernel(functions.get(launch.kernel()), launch.blocks(), 1, 1, BLOCK_THREADS, 1, 1, 0,
                stream, Pointer.to(params), null), "cuLaunchKernel of " + what);
        check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize after " + what);
    }

    /** Unloads the kernels and releases the primary context. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (streamCreated) {
            JCudaDriver.cuStreamDestroy(stream);
        }
        if (loaded) {
            JCudaDriver.cuModuleUnload(module);
        }
        if (retained) {
            JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
        }
    }

    private static void check(int code, String call) {
        if (code != CUresult.CUDA_SUCCESS) {
            throw new TeraioException(call + " failed with " + describe(code));
        }
    }

    /** {@code code 218 (CUDA_ERROR_INVALID_PTX)}. */
    static String describe(int code) {
        return "code " + code + " (" + CUresult.stringFor(code) + ")";
    }
}
