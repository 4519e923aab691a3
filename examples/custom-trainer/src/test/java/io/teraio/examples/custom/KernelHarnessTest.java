package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA kernels without a GPU: {@code mlp_kernels.cu} compiled as C and run launch by
 * launch, block by block and thread by thread ({@link HarnessKernels}), with the launches
 * {@link CudaKernels} makes, against {@link CpuKernels} on random inputs. Shapes whose thread
 * counts are not multiples of the block size check that the last block's extra threads
 * write nothing (the harness guards every buffer); a training run checks the whole step.
 */
class KernelHarnessTest {
    /** Relative error allowed against CpuKernels (the C build sums in the same order without fma: 0 expected). */
    private static final float TOLERANCE = 1e-6f;

    private final HostDeviceMemory memory = new HostDeviceMemory(64 << 20);
    private final HarnessKernels kernels = new HarnessKernels();
    private final Random random = new Random(3);

    @AfterEach
    void close() {
        memory.close();
    }

    private DeviceBuffer buffer(float[] values) {
        DeviceBuffer b = memory.tryAllocate((long) values.length * Float.BYTES);
        CpuKernels.write(b, values, values.length);
        return b;
    }

    private float[] randoms(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) random.nextGaussian();
        }
        return f;
    }

    /** Mixed signs, some zeros: ReLU outputs and masks. */
    private float[] reluOutputs(int n) {
        float[] f = randoms(n);
        CpuKernels.relu(f, n);
        return f;
    }

    private static void assertClose(float[] expected, DeviceBuffer actual, String what) {
        float[] got = HarnessKernels.floats(actual, expected.length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) got[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        System.out.printf("%s: %d floats, max relative error %.3g%n", what, expected.length, worst);
        assertTrue(worst <= TOLERANCE, what + ": element " + at + " is " + (at < 0 ? "" : got[at]) + ", CpuKernels "
                + (at < 0 ? "" : expected[at]) + " (relative error " + worst + ")");
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @CsvSource({"1,1,1", "37,19,23", "130,5,129", "64,32,16"})
    void everyKernelComputesWhatCpuKernelsComputes(int m, int k, int n) {
        float[] a = randoms(m * k);
        float[] w = randoms(k * n + n);
        String shape = " m=" + m + " k=" + k + " n=" + n;

        for (boolean relu : new boolean[] {false, true}) {
            float[] c = new float[m * n];
            CpuKernels.linear(a, w, c, m, k, n);
            if (relu) {
                CpuKernels.relu(c, m * n);
            }
            DeviceBuffer cBuf = buffer(new float[m * n]);
            kernels.linear(buffer(a), buffer(w), cBuf, m, k, n, relu);
            assertClose(c, cBuf, "mlp_linear relu=" + relu + shape);
        }

        float[] dz = randoms(m * n);
        float[] out = reluOutputs(m * n);
        DeviceBuffer dzBuf = buffer(dz);
        kernels.reluBackward(dzBuf, buffer(out), m * n);
        CpuKernels.reluBackward(dz, out, m * n);
        assertClose(dz, dzBuf, "mlp_relu_backward" + shape);

        float[] g = new float[k * n + n];
        CpuKernels.linearGrad(a, dz, g, m, k, n);
        DeviceBuffer gBuf = buffer(randoms(k * n + n)); // overwritten, not accumulated into
        kernels.linearGrad(buffer(a), buffer(dz), gBuf, m, k, n);
        assertClose(g, gBuf, "mlp_linear_grad" + shape);

        float[] da = new float[m * k];
        CpuKernels.inputGrad(dz, w, new float[k * n], da, m, k, n);
        DeviceBuffer daBuf = buffer(randoms(m * k));
        kernels.inputGrad(buffer(dz), buffer(w), daBuf, m, k, n);
        assertClose(da, daBuf, "mlp_input_grad" + shape);

        float[] weights = w.clone();
        DeviceBuffer wBuf = buffer(weights);
        kernels.sgd(wBuf, buffer(g), 0.02f, k * n + n);
        CpuKernels.sgd(weights, g, 0.02f, k * n + n);
        assertClose(weights, wBuf, "mlp_sgd" + shape);

        float[] prediction = randoms(m * n);
        float[] target = randoms(m * n);
        float[] dOut = new float[m * n];
        float[] rowSums = new float[m];
        CpuKernels.mse(prediction, target, dOut, rowSums, Kernels.mseScale(m * n), m, n);
        DeviceBuffer dOutBuf = buffer(new float[m * n]);
        DeviceBuffer rowSumsBuf = buffer(new float[m]);
        kernels.mse(buffer(prediction), buffer(target), dOutBuf, rowSumsBuf, m, n);
        assertClose(dOut, dOutBuf, "mlp_mse gradient" + shape);
        assertClose(rowSums, rowSumsBuf, "mlp_mse row sums" + shape);
    }

    @Test
    void aLaunchWithTooSmallABufferIsRefusedBeforeItRuns() {
        DeviceBuffer small = buffer(new float[10]);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> kernels.linear(small, buffer(new float[12]), buffer(new float[6]), 2, 6, 3, false));
        assertTrue(e.getMessage().contains("12 floats"), e.getMessage());
        assertEquals(0, kernels.launches);
    }

    @Test
    void trainingWithTheCudaKernelsGivesTheCpuBackendsLosses() {
        MlpSpec spec = new MlpSpec(200, 24, 40, 6, 4, 0.05f, 5);
        TeraioConfig config = TeraioConfig.resolve(Map.of("deviceMemory", "64m", "hostMemory", "0"), Map.of(),
                Map.of());
        List<Float> cpu;
        try (MlpTrainer trainer = MlpTrainer.open(spec, config, SessionOptions.off())) {
            for (int i = 0; i < 3; i++) {
                trainer.step();
            }
            cpu = trainer.losses();
        }
        try (MlpTrainer trainer = MlpTrainer.open(spec, config, SessionOptions.off(), kernels, "harness")) {
            for (int i = 0; i < 3; i++) {
                trainer.step();
            }
            List<Float> harness = trainer.losses();
            System.out.println("losses: cpu " + cpu + ", the CUDA kernels on the harness " + harness);
            assertTrue(cpu.get(2) < cpu.get(0), "the loss goes down: " + cpu);
            for (int i = 0; i < cpu.size(); i++) {
                assertEquals(cpu.get(i), harness.get(i), TOLERANCE * Math.max(1f, cpu.get(i)), "step " + (i + 1));
            }
        }
        assertEquals(3 * (spec.layers() + 1 + spec.layers() - 1 + spec.layers() + spec.layers() - 1
                + spec.layers()), kernels.launches, "launches: fwd, loss, relu, weight grad, input grad, sgd");
    }
}
