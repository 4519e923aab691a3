package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example trainer for a few steps, without teraio and with it (auto mode, real O_DIRECT
 * files) under half the memory: the same losses bit for bit, the budget held, the plan
 * applied and the activations moved.
 */
class CustomTrainerIT {
    private static final int STEPS = 6;

    @TempDir
    Path dir;

    private TeraioConfig config(long deviceMemoryBytes) {
        return TeraioConfig.resolve(Map.of("dirs", dir.toString(), "deviceMemory", Long.toString(deviceMemoryBytes),
                "hostMemory", "0", "io.preallocate", "4m", "io.taskSize", "256k"), Map.of(), Map.of());
    }

    @Test
    void offloadingUnderHalfTheMemoryTrainsTheSameModel() throws Exception {
        MlpSpec spec = MlpSpec.small();
        List<Float> expected;
        long peak;
        try (MlpTrainer baseline = MlpTrainer.open(spec, config(spec.totalBytes()), SessionOptions.off())) {
            for (int i = 0; i < STEPS; i++) {
                baseline.step();
            }
            expected = baseline.losses();
            peak = baseline.stats().peakResidentBytes();
            assertEquals(0, baseline.stats().bytesOffloaded());
        }
        assertTrue(expected.get(STEPS - 1) < expected.get(0), "the loss goes down: " + expected);

        long budget = peak / 2 / 4096 * 4096;
        try (MlpTrainer offload = MlpTrainer.open(spec, config(budget), SessionOptions.auto(1, 2))) {
            for (int i = 0; i < STEPS; i++) {
                offload.step();
            }
            assertEquals(bits(expected), bits(offload.losses()));
            SessionStats s = offload.stats();
            assertEquals(budget, s.budgetBytes());
            assertTrue(s.peakResidentBytes() <= budget, "peak " + s.peakResidentBytes() + " over budget " + budget);
            assertEquals(3, s.planFromIteration());
            assertNotNull(offload.session().plan());
            assertTrue(s.planIssued() > 0, "plan entries issued: " + s);
            assertTrue(s.bytesOffloaded() > 0 && s.bytesPrefetched() > 0, s.toString());
            assertEquals(0, s.divergences());
            assertTrue(s.predictedPeakBytes() <= budget, s.toString());
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(1, files.count(), "the run directory holds the offload files");
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "closing the session deletes the offload files");
        }
    }

    private static List<Integer> bits(List<Float> losses) {
        return losses.stream().map(Float::floatToRawIntBits).toList();
    }
}
