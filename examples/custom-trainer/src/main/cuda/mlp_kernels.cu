/*
 * The custom trainer's CUDA kernels: the math of CpuKernels, fp32, one thread per output
 * element, each summing in the same fixed order as CpuKernels (no atomics, no shared-memory
 * reductions), so a run gives the same bits every time and, compiled without contraction
 * (-ffp-contract=off: mul.rn and add.rn, never fma), the same bits as the CPU backend.
 *
 * Every kernel is launched on a 1-D grid of ceil(threads / block) blocks and returns at once
 * in the threads past its count; CudaKernels builds the launches (LaunchedKernels).
 *
 * Two ways to compile this file:
 *   - as CUDA, by clang (gen-ptx.sh, next to it): the PTX committed as the resource
 *     io/teraio/examples/custom/mlp_kernels.ptx, which the driver compiles when it loads it;
 *   - as C, by gcc, inside src/test/c/mlp_kernels_harness.c (MLP_KERNELS_HOST defined): the
 *     harness runs a launch as loops over the block and thread indices, so the tests check
 *     the kernels' index math and results against CpuKernels on a machine without a GPU.
 * No CUDA headers: the few things a kernel needs are defined here.
 */
#if defined(__CUDA__)
#define KERNEL extern "C" __attribute__((global)) void
#define BLOCK_IDX_X __nvvm_read_ptx_sreg_ctaid_x()
#define BLOCK_DIM_X __nvvm_read_ptx_sreg_ntid_x()
#define THREAD_IDX_X __nvvm_read_ptx_sreg_tid_x()
#elif defined(MLP_KERNELS_HOST)
/* the harness sets these before it calls a kernel for one (block, thread) */
static int harness_block_idx, harness_block_dim, harness_thread_idx;
#define KERNEL static void
#define BLOCK_IDX_X harness_block_idx
#define BLOCK_DIM_X harness_block_dim
#define THREAD_IDX_X harness_thread_idx
#else
#error "compile as CUDA (gen-ptx.sh) or with MLP_KERNELS_HOST defined (the test harness)"
#endif

/* The global index of this thread in the 1-D launch. */
#define THREAD_INDEX (BLOCK_IDX_X * BLOCK_DIM_X + THREAD_IDX_X)

/*
 * c (m x n) = a (m x k) . w (k x n) + bias (n), bias at w[k * n]; then max(c, 0) when relu.
 * Threads: m * n, one per element of c.
 */
KERNEL mlp_linear(const float *a, const float *w, float *c, int m, int k, int n, int relu) {
    int i = THREAD_INDEX;
    if (i >= m * n) {
        return;
    }
    int row = i / n;
    int col = i - row * n;
    float sum = w[k * n + col];
    for (int p = 0; p < k; p++) {
        sum += a[row * k + p] * w[p * n + col];
    }
    if (relu && sum < 0.0f) {
        sum = 0.0f;
    }
    c[i] = sum;
}

/* dz *= (out > 0): the gradient through a ReLU whose output was out. Threads: count. */
KERNEL mlp_relu_backward(float *dz, const float *out, int count) {
    int i = THREAD_INDEX;
    if (i >= count) {
        return;
    }
    if (!(out[i] > 0.0f)) {
        dz[i] = 0.0f;
    }
}

/*
 * The weight and bias gradients: g (k x n) = a^T . dz for a (m x k) and dz (m x n), then
 * g[k * n + j] = sum_i dz[i][j]. Threads: k * n + n, one per element of g.
 */
KERNEL mlp_linear_grad(const float *a, const float *dz, float *g, int m, int k, int n) {
    int i = THREAD_INDEX;
    if (i >= k * n + n) {
        return;
    }
    float sum = 0.0f;
    if (i < k * n) {
        int p = i / n;
        int j = i - p * n;
        for (int r = 0; r < m; r++) {
            sum += a[r * k + p] * dz[r * n + j];
        }
    } else {
        int j = i - k * n;
        for (int r = 0; r < m; r++) {
            sum += dz[r * n + j];
        }
    }
    g[i] = sum;
}

/* da (m x k) = dz (m x n) . w^T for w (k x n). Threads: m * k, one per element of da. */
KERNEL mlp_input_grad(const float *dz, const float *w, float *da, int m, int k, int n) {
    int i = THREAD_INDEX;
    if (i >= m * k) {
        return;
    }
    int row = i / k;
    int p = i - row * k;
    float sum = 0.0f;
    for (int j = 0; j < n; j++) {
        sum += dz[row * n + j] * w[p * n + j];
    }
    da[i] = sum;
}

/* w -= lr * g. Threads: count. */
KERNEL mlp_sgd(float *w, const float *g, float lr, int count) {
    int i = THREAD_INDEX;
    if (i >= count) {
        return;
    }
    w[i] -= lr * g[i];
}

/*
 * The mean squared error's gradient, dOut = scale * (prediction - target) with scale =
 * 2 / (rows * cols), and each row's sum of squared differences, summed in double and
 * rounded once: rowSums[r]. Threads: rows, one per row.
 */
KERNEL mlp_mse(const float *prediction, const float *target, float *dOut, float *rowSums, float scale, int rows,
               int cols) {
    int r = THREAD_INDEX;
    if (r >= rows) {
        return;
    }
    double sum = 0.0;
    for (int j = 0; j < cols; j++) {
        int i = r * cols + j;
        float diff = prediction[i] - target[i];
        sum += (double) diff * diff;
        dOut[i] = scale * diff;
    }
    rowSums[r] = (float) sum;
}
