package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.cli.DjlTrainerProcess.TrainerResult;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.session.AgentStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's options, its errors, and the files it reads; DemoIT runs it end to end. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @AfterEach
    void forgetHome() {
        System.clearProperty("teraio.home");
    }

    @Test
    void badModelAndTooFewStepsAreUsageErrors() {
        CliRunner model = CliRunner.run("demo", "--out", dir.toString(), "--model", "gpt");
        assertEquals(Main.EXIT_USAGE, model.exitCode());
        assertTrue(model.err().contains("--model must be mlp or resnet, got 'gpt'"), model.err());

        CliRunner steps = CliRunner.run("demo", "--out", dir.toString(), "--steps", "3");
        assertEquals(Main.EXIT_USAGE, steps.exitCode());
        assertTrue(steps.err().contains("--steps must be at least 5"), steps.err());
    }

    @Test
    void aMissingTrainerOrAgentNamesTheFileAndTheBuildCommand() throws Exception {
        Path home = dir.resolve("checkout");
        System.setProperty("teraio.home", home.toString());
        CliRunner trainer = CliRunner.run("demo", "--out", dir.resolve("out").toString());
        assertEquals(Main.EXIT_USAGE, trainer.exitCode(), trainer.out() + trainer.err());
        assertTrue(trainer.err().contains("the DJL trainer is not built: "
                + home.resolve("examples/djl-trainer/target/djl-trainer.jar") + " is missing"), trainer.err());
        assertTrue(trainer.err().contains(DjlTrainerProcess.BUILD_COMMAND), trainer.err());

        Files.createDirectories(home.resolve("examples/djl-trainer/target/lib"));
        Files.writeString(home.resolve("examples/djl-trainer/target/djl-trainer.jar"), "");
        CliRunner agent = CliRunner.run("demo", "--out", dir.resolve("out").toString());
        assertEquals(Main.EXIT_USAGE, agent.exitCode());
        assertTrue(agent.err().contains("the teraio agent is not built: "
                + home.resolve("teraio-agent/target/teraio-agent.jar") + " is missing"), agent.err());
    }

    @Test
    void optionsOfTheOtherWorkloadAreUsageErrors() {
        CliRunner layers = CliRunner.run("demo", "--out", dir.toString(), "--layers", "4");
        assertEquals(Main.EXIT_USAGE, layers.exitCode());
        assertTrue(layers.err().contains("--layers is for --workload custom"), layers.err());

        CliRunner model = CliRunner.run("demo", "--out", dir.toString(), "--workload", "custom", "--model", "resnet");
        assertEquals(Main.EXIT_USAGE, model.exitCode());
        assertTrue(model.err().contains("--workload custom trains an mlp, got --model 'resnet'"), model.err());
    }

    @Test
    void trainerLossesAreReadBackAsTheExactFloats() throws Exception {
        // Shortest decimals of floats next to each other: a double-then-float reading must not blur them.
        float a = Math.nextUp(2.3121524f);
        float b = Math.nextUp(a);
        Path file = dir.resolve("run.json");
        Files.writeString(file, "{\"losses\": [" + a + ", " + b + ", null], \"stepNanos\": [5, 7, 9],"
                + " \"stepCpuNanos\": [4, 6, 8],"
                + " \"parameterBytes\": 100, \"gradientBytes\": 100, \"optimizerStateBytes\": 200}");
        TrainerResult r = TrainerResult.read(file);
        assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(r.losses().get(0)));
        assertEquals(Float.floatToRawIntBits(b), Float.floatToRawIntBits(r.losses().get(1)));
        assertTrue(Float.isNaN(r.losses().get(2)), "a NaN loss is written as null");
        assertEquals(400, r.trainingStateBytes());
        assertEquals(6, r.medianStepCpuNanos(0, 3));

        assertEquals(-1, r.peakRssBytes(), "a result without the OS's figures");

        Files.writeString(file, "{\"losses\": [1.0], \"stepNanos\": [5], \"stepCpuNanos\": [5],"
                + " \"parameterBytes\": 4, \"gradientBytes\": 4, \"optimizerStateBytes\": 8, \"stepRssBytes\": [700],"
                + " \"peakRssBytes\": 900, \"firstStepsPeakRssBytes\": 1000, \"heapCommittedBytes\": 300}");
        TrainerResult os = TrainerResult.read(file);
        assertEquals(List.of(700L), os.stepRssBytes());
        assertEquals(900, os.peakRssBytes());
        assertEquals(1000, os.firstStepsPeakRssBytes());
        assertEquals(300, os.heapCommittedBytes());

        Files.writeString(file, "{\"losses\": [1.0], \"stepNanos\": [5], \"stepCpuNanos\": [5], \"parameterBytes\": 1}");
        TeraioException e = assertThrows(TeraioException.class, () -> TrainerResult.read(file));
        assertEquals(file + ": 'gradientBytes' is missing or not a byte count", e.getMessage());
    }

    @Test
    void sizeIsTheMlpsTrainingStateAndPicksItsHiddenWidth() {
        // 12 hidden layers of 2048: 48,291,856 parameters, 16 bytes of state each (737 MiB)
        assertEquals(48_291_856, DjlDemo.mlpParameters(2048));
        assertEquals(2048, DjlDemo.mlpHidden(Units.parseBytes("--size", DjlDemo.DEFAULT_SIZE)));
        assertEquals(2048, DjlDemo.mlpHidden(16 * 48_291_856L));
        assertEquals(1984, DjlDemo.mlpHidden(16 * 48_291_856L - 1));
        assertEquals(1024, DjlDemo.mlpHidden(16 * DjlDemo.mlpParameters(1024) + 1));
        assertThrows(TeraioException.class, () -> DjlDemo.mlpHidden(1 << 20));
    }

    @Test
    void sizeIsForTheDjlMlpOnly() {
        CliRunner resnet = CliRunner.run("demo", "--out", dir.toString(), "--model", "resnet", "--size", "100m");
        assertEquals(Main.EXIT_USAGE, resnet.exitCode());
        assertTrue(resnet.err().contains("--size is for --model mlp"), resnet.err());
        CliRunner custom = CliRunner.run("demo", "--out", dir.toString(), "--workload", "custom", "--size", "100m");
        assertEquals(Main.EXIT_USAGE, custom.exitCode());
        assertTrue(custom.err().contains("--size is for --workload djl"), custom.err());
    }

    @Test
    void stepTimeIsTheMedianOfTheStepsAfterProfiling() {
        TrainerResult odd = new TrainerResult(List.of(), List.of(900L, 500L, 400L, 300L, 30L, 10L, 20L), List.of(), 0, 0, 0);
        assertEquals(20, odd.medianStepNanos(4, 7));
        assertEquals(20, odd.medianStepNanos(4, 6));
        TrainerResult even = new TrainerResult(List.of(), List.of(900L, 500L, 400L, 300L, 10L, 20L), List.of(), 0, 0, 0);
        assertEquals(15, even.medianStepNanos(4, 6));
        assertThrows(TeraioException.class, () -> even.medianStepNanos(4, 9));
        assertThrows(TeraioException.class, () -> even.medianStepNanos(6, 6));
    }

    @Test
    void agentStatsWithAnErrorOrAMissingKey() throws Exception {
        Path file = dir.resolve("stats.json");
        Files.writeString(file, "{\"mode\": \"auto\", \"iterations\": 8, \"profiledIterations\": 2,"
                + " \"planEntries\": 4, \"bytesOffloaded\": 10, \"bytesPrefetched\": 10, \"stallNanos\": 0,"
                + " \"misses\": 0, \"divergences\": 0, \"peakResidentBytes\": 5, \"unconstrainedPeakBytes\": 9,"
                + " \"budgetBytes\": 6, \"predictedPeakBytes\": 5, \"predictedUnconstrainedBytes\": 9,"
                + " \"error\": \"disk full\"}");
        AgentStats stats = AgentStats.read(file);
        assertEquals(9, stats.unconstrainedPeakBytes());
        assertEquals("disk full", stats.error());

        Files.writeString(file, "{\"mode\": \"auto\"}");
        TeraioException e = assertThrows(TeraioException.class, () -> AgentStats.read(file));
        assertEquals(file + ": the agent's stats have no number 'iterations'", e.getMessage());
    }
}
