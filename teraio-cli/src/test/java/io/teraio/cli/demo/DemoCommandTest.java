package io.teraio.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.demo.DjlTrainerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's options and its errors; the demo driver's tests check the files it reads, and DemoIT
 * (examples/djl-trainer) runs it end to end.
 */
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
    void sizeIsForTheDjlMlpOnly() {
        CliRunner resnet = CliRunner.run("demo", "--out", dir.toString(), "--model", "resnet", "--size", "100m");
        assertEquals(Main.EXIT_USAGE, resnet.exitCode());
        assertTrue(resnet.err().contains("--size is for --model mlp"), resnet.err());
        CliRunner custom = CliRunner.run("demo", "--out", dir.toString(), "--workload", "custom", "--size", "100m");
        assertEquals(Main.EXIT_USAGE, custom.exitCode());
        assertTrue(custom.err().contains("--size is for --workload djl"), custom.err());
    }
}
