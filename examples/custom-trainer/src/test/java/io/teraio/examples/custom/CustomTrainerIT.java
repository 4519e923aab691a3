package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.core.session.TeraioSession;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.core.trace.TraceWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example trainer for a few steps, without teraio and with it (auto mode, or a profile
 * written, planned and applied in offload mode; real O_DIRECT files) under half the memory:
 * the same losses bit for bit, the budget held, the plan applied and the activations moved.
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

    @Test
    void aProfileWrittenToDiskPlannedAndAppliedInOffloadModeTrainsTheSameModel() throws Exception {
        MlpSpec spec = MlpSpec.small();
        Path traceFile = Files.createTempFile("custom-trainer", ".json.gz");
        List<Float> expected;
        long peak;
        try (MlpTrainer profiled = MlpTrainer.open(spec, config(spec.totalBytes()), SessionOptions.profile(1, 1))) {
            for (int i = 0; i < STEPS; i++) {
                profiled.step();
            }
            Trace trace = profiled.session().trace();
            assertEquals(1, trace.iterations().size());
            assertEquals(1 + spec.layers() + 1 + spec.layers() + spec.layers() - 1, trace.iterations().get(0).opCount());
            TraceWriter.write(trace, traceFile);
            expected = profiled.losses();
            peak = profiled.stats().peakResidentBytes();
        }
        Trace trace = TraceReader.read(traceFile);
        Files.delete(traceFile);
        long budget = peak / 2 / 4096 * 4096;
        TeraioConfig config = config(budget);
        Plan plan = PlanMaker.load().make(trace, TeraioSession.hardwareOf(config)).plan();
        try (MlpTrainer offload = MlpTrainer.open(spec, config, SessionOptions.offload(plan, trace))) {
            for (int i = 0; i < STEPS; i++) {
                offload.step();
            }
            assertEquals(bits(expected), bits(offload.losses()));
            SessionStats s = offload.stats();
            assertEquals(0, s.planFromIteration());
            assertTrue(s.peakResidentBytes() <= budget, s.toString());
            assertTrue(s.bytesOffloaded() > 0, s.toString());
            assertEquals(0, s.divergences());
        }
    }

    private static List<Integer> bits(List<Float> losses) {
        return losses.stream().map(Float::floatToRawIntBits).toList();
    }
}
