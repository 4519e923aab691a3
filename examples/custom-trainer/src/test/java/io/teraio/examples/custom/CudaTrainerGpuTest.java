package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.core.storage.Availability;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a GPU machine ({@code scripts/gpu-check.sh}): the example trainer computing with the CUDA
 * kernels on CUDA device memory, without offloading and in auto mode under half the memory
 * (real O_DIRECT files, backend auto): the same losses bit for bit, the budget held, the
 * activations moved; and the losses of the CPU backend within a tight tolerance. Without a GPU
 * it is skipped with the reason ({@link ComputeBackend#availability}).
 */
@Tag("gpu")
class CudaTrainerGpuTest {
    private static final int STEPS = 6;
    /** Relative difference allowed against the CPU backend (the kernels round as Java does: 0 expected). */
    private static final float TOLERANCE = 1e-5f;

    @TempDir
    Path dir;

    private TeraioConfig config(String memory, long deviceMemoryBytes) {
        return TeraioConfig.resolve(Map.of("memory", memory, "dirs", dir.toString(), "deviceMemory",
                Long.toString(deviceMemoryBytes), "hostMemory", "0", "io.preallocate", "4m", "io.taskSize", "256k"),
                Map.of(), Map.of());
    }

    @Test
    void offloadingUnderHalfTheMemoryOnTheGpuTrainsTheSameModel() {
        Availability cuda = ComputeBackend.CUDA.availability(0);
        assumeTrue(cuda.available(), "compute cuda: " + cuda.reason());
        MlpSpec spec = MlpSpec.small();
        List<Float> expected;
        long peak;
        try (MlpTrainer baseline = MlpTrainer.open(spec, config("cuda", spec.totalBytes()), SessionOptions.off(),
                ComputeBackend.CUDA)) {
            for (int i = 0; i < STEPS; i++) {
                baseline.step();
            }
            assertEquals("cuda", baseline.compute());
            expected = baseline.losses();
            peak = baseline.stats().peakResidentBytes();
        }
        assertTrue(expected.get(STEPS - 1) < expected.get(0), "the loss goes down: " + expected);

        long budget = peak / 2 / 4096 * 4096;
        try (MlpTrainer offload = MlpTrainer.open(spec, config("cuda", budget), SessionOptions.auto(1, 2),
                ComputeBackend.CUDA)) {
            for (int i = 0; i < STEPS; i++) {
                offload.step();
            }
            assertEquals(bits(expected), bits(offload.losses()), "losses without and with offloading");
            SessionStats s = offload.stats();
            assertEquals(budget, s.budgetBytes());
            assertTrue(s.peakResidentBytes() <= budget, "peak " + s.peakResidentBytes() + " over budget " + budget);
            assertTrue(s.bytesOffloaded() > 0 && s.bytesPrefetched() > 0, s.toString());
            assertEquals(0, s.divergences());
            // CUDA's own count, beside the ledger: at least the session's live buffers are on the device
            assertTrue(s.deviceUsedBytes() >= s.peakResidentBytes() / 2, "cudaMemGetInfo: " + s);
            System.out.println("device used (cudaMemGetInfo) " + s.deviceUsedBytes() + " bytes; teraio's ledger: peak "
                    + s.peakResidentBytes() + " of budget " + budget);
        }

        try (MlpTrainer cpu = MlpTrainer.open(spec, config("host", spec.totalBytes()), SessionOptions.off())) {
            for (int i = 0; i < STEPS; i++) {
                cpu.step();
            }
            assertEquals(-1, cpu.stats().deviceUsedBytes(), "host memory has no device count");
            System.out.println("losses: cuda " + expected + ", cpu " + cpu.losses() + (bits(expected).equals(
                    bits(cpu.losses())) ? " (bitwise identical)" : ""));
            for (int i = 0; i < STEPS; i++) {
                float want = cpu.losses().get(i);
                assertEquals(want, expected.get(i), TOLERANCE * Math.max(1f, want), "step " + (i + 1) + " vs cpu");
            }
        }
    }

    private static List<Integer> bits(List<Float> losses) {
        return losses.stream().map(Float::floatToRawIntBits).toList();
    }
}
