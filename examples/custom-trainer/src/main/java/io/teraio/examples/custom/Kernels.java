package io.teraio.examples.custom;

import io.teraio.core.storage.DeviceBuffer;

/**
 * A compute backend's kernels: the trainer's math over buffers of the session's device
 * memory, fp32, row-major, deterministic (the same inputs give the same bits). A kernel has
 * finished with its buffers when it returns, so the session may move them right after.
 * Implemented by {@link CpuKernels} (host memory, plain Java) and {@link CudaKernels} (CUDA
 * memory, our own kernels through the JCuda driver API). Driven by the training thread only.
 */
interface Kernels extends AutoCloseable {
    /**
     * {@code c (m x n) = a (m x k) . w (k x n) + bias (n)}, with the bias at float {@code k * n}
     * of {@code w}; then {@code max(c, 0)} when {@code relu}.
     */
    void linear(DeviceBuffer a, DeviceBuffer w, DeviceBuffer c, int m, int k, int n, boolean relu);

    /** {@code dz *= (out > 0)} over {@code count} floats: the gradient through a ReLU whose output was {@code out}. */
    void reluBackward(DeviceBuffer dz, DeviceBuffer out, int count);

    /**
     * The weight and bias gradients of {@link #linear}: {@code g (k x n) = a^T . dz}, then
     * {@code g[k * n + j] = sum_i dz[i][j]}.
     */
    void linearGrad(DeviceBuffer a, DeviceBuffer dz, DeviceBuffer g, int m, int k, int n);

    /** The input gradient of {@link #linear}: {@code da (m x k) = dz (m x n) . w^T}. */
    void inputGrad(DeviceBuffer dz, DeviceBuffer w, DeviceBuffer da, int m, int k, int n);

    /** {@code w -= lr * g} over {@code count} floats. */
    void sgd(DeviceBuffer w, DeviceBuffer g, float lr, int count);

    /**
     * The mean squared error of {@code prediction} against {@code target} ({@code rows x cols}):
     * its gradient {@code dOut = 2 / (rows * cols) * (prediction - target)}, and each row's sum of
     * squared differences (summed in double, rounded once) in {@code rowSums}; the loss is
     * {@link #loss} of those.
     */
    void mse(DeviceBuffer prediction, DeviceBuffer target, DeviceBuffer dOut, DeviceBuffer rowSums, int rows, int cols);

    /** The factor {@link #mse}'s gradient is scaled by: {@code 2 / count}, in float. */
    static float mseScale(int count) {
        return 2f / count;
    }

    /** The mean squared error from {@link #mse}'s row sums: their double sum, in row order, over {@code count}. */
    static float loss(float[] rowSums, int rows, int count) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            sum += rowSums[r];
        }
        return (float) (sum / count);
    }

    /** Releases what the backend holds (not the session's buffers). Idempotent. */
    @Override
    void close();
}
