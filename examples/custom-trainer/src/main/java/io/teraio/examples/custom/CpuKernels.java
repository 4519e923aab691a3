package io.teraio.examples.custom;

import io.teraio.core.storage.DeviceBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The CPU compute backend: fp32 kernels over row-major heap arrays, single-threaded and
 * deterministic (no reduction is reordered, so the same inputs give the same bits), and the
 * copies between device buffers and those arrays. A kernel reads its operands from device
 * buffers into reused scratch arrays and writes its results back, the way a GPU kernel reads
 * device memory into registers. The static methods are the math; {@code mlp_kernels.cu} is the
 * same math for CUDA, summing in the same order.
 */
final class CpuKernels implements Kernels {
    // scratch the kernels compute in, grown to the largest operand seen
    private final float[][] scratch = new float[5][];

    private float[] scratch(int slot, int floats) {
        if (scratch[slot] == null || scratch[slot].length < floats) {
            scratch[slot] = new float[floats];
        }
        return scratch[slot];
    }

    /** Reads {@code floats} floats of {@code buffer} into scratch {@code slot}. */
    private float[] load(int slot, DeviceBuffer buffer, int floats) {
        float[] dst = scratch(slot, floats);
        read(buffer, dst, floats);
        return dst;
    }

    @Override
    public void linear(DeviceBuffer a, DeviceBuffer w, DeviceBuffer c, int m, int k, int n, boolean relu) {
        float[] out = scratch(2, m * n);
        linear(load(0, a, m * k), load(1, w, k * n + n), out, m, k, n);
        if (relu) {
            relu(out, m * n);
        }
        write(c, out, m * n);
    }

    @Override
    public void reluBackward(DeviceBuffer dz, DeviceBuffer out, int count) {
        float[] d = load(0, dz, count);
        reluBackward(d, load(1, out, count), count);
        write(dz, d, count);
    }

    @Override
    public void linearGrad(DeviceBuffer a, DeviceBuffer dz, DeviceBuffer g, int m, int k, int n) {
        float[] grad = scratch(2, k * n + n);
        linearGrad(load(0, a, m * k), load(1, dz, m * n), grad, m, k, n);
        write(g, grad, k * n + n);
    }

    @Override
    public void inputGrad(DeviceBuffer dz, DeviceBuffer w, DeviceBuffer da, int m, int k, int n) {
        float[] out = scratch(2, m * k);
        inputGrad(load(0, dz, m * n), load(1, w, k * n), scratch(3, k * n), out, m, k, n);
        write(da, out, m * k);
    }

    @Override
    public void sgd(DeviceBuffer w, DeviceBuffer g, float lr, int count) {
        float[] weights = load(0, w, count);
        sgd(weights, load(1, g, count), lr, count);
        write(w, weights, count);
    }

    @Override
    public void mse(DeviceBuffer prediction, DeviceBuffer target, DeviceBuffer dOut, DeviceBuffer rowSums, int rows,
                    int cols) {
        int count = rows * cols;
        float[] d = scratch(2, count);
        float[] sums = scratch(4, rows);
        mse(load(0, prediction, count), load(1, target, count), d, sums, Kernels.mseScale(count), rows, cols);
        write(dOut, d, count);
        write(rowSums, sums, rows);
    }

    /** Nothing to release: the scratch is heap memory. */
    @Override
    public void close() {
    }

    /** Copies the first {@code n} floats of {@code buffer} into {@code dst}. */
    static void read(DeviceBuffer buffer, float[] dst, int n) {
        read(buffer, dst, 0, n);
    }

    /** Copies the first {@code n} floats of {@code buffer} into {@code dst} from {@code dstOffset}. */
    static void read(DeviceBuffer buffer, float[] dst, int dstOffset, int n) {
        ByteBuffer view = buffer.hostView(0, n * Float.BYTES);
        if (view == null) {
            view = ByteBuffer.allocateDirect(n * Float.BYTES);
            buffer.copyToHost(0, view);
            view.flip();
        }
        view.order(ByteOrder.nativeOrder()).asFloatBuffer().get(dst, dstOffset, n);
    }

    /** Copies {@code n} floats of {@code src} to the start of {@code buffer}. */
    static void write(DeviceBuffer buffer, float[] src, int n) {
        write(buffer, src, 0, n);
    }

    /** Copies {@code n} floats of {@code src}, from {@code srcOffset}, to the start of {@code buffer}. */
    static void write(DeviceBuffer buffer, float[] src, int srcOffset, int n) {
        ByteBuffer view = buffer.hostView(0, n * Float.BYTES);
        if (view == null) {
            ByteBuffer staging = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder());
            staging.asFloatBuffer().put(src, srcOffset, n);
            buffer.copyFromHost(0, staging);
            return;
        }
        view.order(ByteOrder.nativeOrder()).asFloatBuffer().put(src, srcOffset, n);
    }

    /** {@code c (m x n) = a (m x k) . w (k x n) + bias (n)}, with {@code bias} at {@code w[k * n]}. */
    static void linear(float[] a, float[] w, float[] c, int m, int k, int n) {
        int biasAt = k * n;
        for (int i = 0; i < m; i++) {
            int ci = i * n;
            System.arraycopy(w, biasAt, c, ci, n);
            int ai = i * k;
            for (int p = 0; p < k; p++) {
                float av = a[ai + p];
                int wp = p * n;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += av * w[wp + j];
                }
            }
        }
    }

    /** {@code x = max(x, 0)} over the first {@code n} floats. */
    static void relu(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            if (x[i] < 0f) {
                x[i] = 0f;
            }
        }
    }

    /** {@code dz *= (out > 0)}: the gradient through a ReLU whose output was {@code out}. */
    static void reluBackward(float[] dz, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            if (!(out[i] > 0f)) {
                dz[i] = 0f;
            }
        }
    }

    /**
     * The weight and bias gradients: {@code g (k x n) = a^T . dz} for {@code a (m x k)} and
     * {@code dz (m x n)}, then {@code g[k * n + j] = sum_i dz[i][j]}.
     */
    static void linearGrad(float[] a, float[] dz, float[] g, int m, int k, int n) {
        Arrays.fill(g, 0, k * n + n, 0f);
        int biasAt = k * n;
        for (int i = 0; i < m; i++) {
            int ai = i * k;
            int di = i * n;
            for (int p = 0; p < k; p++) {
                float av = a[ai + p];
                int gp = p * n;
                for (int j = 0; j < n; j++) {
                    g[gp + j] += av * dz[di + j];
                }
            }
            for (int j = 0; j < n; j++) {
                g[biasAt + j] += dz[di + j];
            }
        }
    }

    /** {@code da (m x k) = dz (m x n) . w^T} for {@code w (k x n)}; {@code wt} is scratch of {@code k * n}. */
    static void inputGrad(float[] dz, float[] w, float[] wt, float[] da, int m, int k, int n) {
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                wt[j * k + p] = w[p * n + j];
            }
        }
        Arrays.fill(da, 0, m * k, 0f);
        for (int i = 0; i < m; i++) {
            int di = i * n;
            int ai = i * k;
            for (int j = 0; j < n; j++) {
                float dv = dz[di + j];
                int wj = j * k;
                for (int p = 0; p < k; p++) {
                    da[ai + p] += dv * wt[wj + p];
                }
            }
        }
    }

    /**
     * {@code dOut = scale * (prediction - target)} and {@code rowSums[r]}, the sum of row
     * {@code r}'s squared differences in double, rounded once (see {@link Kernels#mse}).
     */
    static void mse(float[] prediction, float[] target, float[] dOut, float[] rowSums, float scale, int rows,
                    int cols) {
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                float diff = prediction[i] - target[i];
                sum += (double) diff * diff;
                dOut[i] = scale * diff;
            }
            rowSums[r] = (float) sum;
        }
    }

    /** {@code w -= lr * g} over the first {@code n} floats. */
    static void sgd(float[] w, float[] g, float lr, int n) {
        for (int i = 0; i < n; i++) {
            w[i] -= lr * g[i];
        }
    }
}
