package io.teraio.examples.custom;

import io.teraio.core.storage.DeviceBuffer;
import java.util.List;

/**
 * The kernels of {@code mlp_kernels.cu} as launches: which kernel, how many threads, and its
 * arguments in the order of its parameters. {@link CudaKernels} runs them on a GPU; the tests
 * run the same launches through a C build of the same source on the CPU, so what is built
 * here (argument order, thread counts, buffer sizes) is checked without a GPU.
 */
abstract class LaunchedKernels implements Kernels {
    /** Threads per block of every launch. */
    static final int BLOCK_THREADS = 128;

    /** The kernels of {@code mlp_kernels.cu}, each an entry of its PTX. */
    static final List<String> KERNELS = List.of("mlp_linear", "mlp_relu_backward", "mlp_linear_grad",
            "mlp_input_grad", "mlp_sgd", "mlp_mse");

    /** A buffer argument: the kernel touches its first {@code floats} floats. */
    record BufferArg(DeviceBuffer buffer, int floats) {
        BufferArg {
            if (floats < 0 || (long) floats * Float.BYTES > buffer.bytes()) {
                throw new IllegalArgumentException("a kernel argument of " + floats + " floats in " + buffer
                        + " of " + buffer.bytes() + " bytes");
            }
        }
    }

    /**
     * One launch: {@code threads} threads (one per output) in {@link #blocks} blocks of
     * {@link #BLOCK_THREADS}, arguments {@link BufferArg}, {@link Integer} or {@link Float}.
     */
    record Launch(String kernel, int threads, List<Object> args) {
        Launch {
            if (!KERNELS.contains(kernel)) {
                throw new IllegalArgumentException("no kernel " + kernel + " in mlp_kernels.cu");
            }
            if (threads < 1) {
                throw new IllegalArgumentException(kernel + ": " + threads + " threads");
            }
            args = List.copyOf(args);
        }

        int blocks() {
            return (threads + BLOCK_THREADS - 1) / BLOCK_THREADS;
        }
    }

    /** Runs {@code launch} to completion. */
    protected abstract void launch(Launch launch);

    @Override
    public void linear(DeviceBuffer a, DeviceBuffer w, DeviceBuffer c, int m, int k, int n, boolean relu) {
        launch(new Launch("mlp_linear", m * n, List.of(new BufferArg(a, m * k), new BufferArg(w, k * n + n),
                new BufferArg(c, m * n), m, k, n, relu ? 1 : 0)));
    }

    @Override
    public void reluBackward(DeviceBuffer dz, DeviceBuffer out, int count) {
        launch(new Launch("mlp_relu_backward", count, List.of(new BufferArg(dz, count), new BufferArg(out, count),
                count)));
    }

    @Override
    public void linearGrad(DeviceBuffer a, DeviceBuffer dz, DeviceBuffer g, int m, int k, int n) {
        launch(new Launch("mlp_linear_grad", k * n + n, List.of(new BufferArg(a, m * k), new BufferArg(dz, m * n),
                new BufferArg(g, k * n + n), m, k, n)));
    }

    @Override
    public void inputGrad(DeviceBuffer dz, DeviceBuffer w, DeviceBuffer da, int m, int k, int n) {
        launch(new Launch("mlp_input_grad", m * k, List.of(new BufferArg(dz, m * n), new BufferArg(w, k * n),
                new BufferArg(da, m * k), m, k, n)));
    }

    @Override
    public void sgd(DeviceBuffer w, DeviceBuffer g, float lr, int count) {
        launch(new Launch("mlp_sgd", count, List.of(new BufferArg(w, count), new BufferArg(g, count), lr, count)));
    }

    @Override
    public void mse(DeviceBuffer prediction, DeviceBuffer target, DeviceBuffer dOut, DeviceBuffer rowSums, int rows,
                    int cols) {
        int count = rows * cols;
        launch(new Launch("mlp_mse", rows, List.of(new BufferArg(prediction, count), new BufferArg(target, count),
                new BufferArg(dOut, count), new BufferArg(rowSums, rows), Kernels.mseScale(count), rows, cols)));
    }
}
