package io.teraio.examples.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged trainer, run as the demo runs it: a child JVM on the jar and its lib folder. */
class DjlTrainerIT {
    @TempDir
    Path dir;

    @Test
    void twoRunsGiveBitwiseIdenticalLossesAndReportTheirSizes() throws Exception {
        JsonNode first = run("mlp", 4, 7, dir.resolve("a.json"));
        JsonNode second = run("mlp", 4, 7, dir.resolve("b.json"));

        assertEquals(4, first.get("losses").size());
        assertEquals(first.get("losses").toString(), second.get("losses").toString(),
                "the same seed must give the same losses, bit for bit");
        assertEquals(4, first.get("stepNanos").size());
        assertEquals(4, first.get("stepCpuNanos").size());
        for (int i = 0; i < 4; i++) {
            long cpu = first.get("stepCpuNanos").get(i).asLong();
            assertTrue(cpu > 0 && cpu <= first.get("stepNanos").get(i).asLong() + 1_000_000,
                    "a step's CPU time is positive and at most its wall time: " + first);
        }
        long params = first.get("parameterBytes").asLong();
        // Mlp(1024 -> 12 x 1024 -> 16), float32 weights and biases.
        long expected = 4L * (12 * (1024 * 1024 + 1024) + 1024 * 16 + 16);
        assertEquals(expected, params);
        assertEquals(params, first.get("gradientBytes").asLong(), "every MLP parameter has a gradient");
        assertEquals(2 * params, first.get("optimizerStateBytes").asLong(), "AdamW keeps two moments per parameter");
    }

    @Test
    void anotherSeedGivesOtherLosses() throws Exception {
        JsonNode a = run("mlp", 2, 1, dir.resolve("a.json"));
        JsonNode b = run("mlp", 2, 2, dir.resolve("b.json"));
        assertTrue(!a.get("losses").toString().equals(b.get("losses").toString()),
                "the seed must reach the data and the initial weights");
    }

    @Test
    void resnetTrainsAndKeepsBatchNormStatsOutOfTheGradients() throws Exception {
        JsonNode r = run("resnet", 2, 42, dir.resolve("r.json"));
        assertEquals(2, r.get("losses").size());
        long params = r.get("parameterBytes").asLong();
        long grads = r.get("gradientBytes").asLong();
        assertTrue(grads < params, "running means and variances have no gradient: " + grads + " vs " + params);
        assertEquals(2 * grads, r.get("optimizerStateBytes").asLong());
    }

    @Test
    void aBadOptionIsOneLineAndExitCode2() throws Exception {
        Process p = start(List.of("--model", "gpt", "--out", dir.resolve("x.json").toString()));
        String err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertTrue(err.startsWith("djl-trainer: --model must be mlp or resnet, got 'gpt'"), err);
    }

    private JsonNode run(String model, int steps, int seed, Path out) throws IOException, InterruptedException {
        Process p = start(List.of("--model", model, "--steps", Integer.toString(steps), "--seed",
                Integer.toString(seed), "--out", out.toString()));
        String err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the trainer did not finish in 300 s");
        assertEquals(0, p.exitValue(), err);
        return new ObjectMapper().readTree(Files.readString(out));
    }

    private static Process start(List<String> args) throws IOException {
        String jar = System.getProperty("teraio.trainer.jar");
        String lib = System.getProperty("teraio.trainer.lib");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar + File.pathSeparator + lib + File.separator + "*",
                DjlTrainer.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
