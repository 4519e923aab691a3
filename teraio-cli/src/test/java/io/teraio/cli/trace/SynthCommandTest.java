package io.teraio.cli.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code teraio synth} as a user runs it. */
class SynthCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesASmallModelsTraceThatAnalyzes() {
        Path file = dir.resolve("tiny.json.gz");
        CliRunner r = CliRunner.run("synth", "--preset", "llama3-8b", "-o", file.toString(), "--layers", "2",
                "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--ffn", "256", "--vocab", "100", "--seq", "16",
                "--batch", "2", "--micro-batches", "2", "--kernels", "300", "--iterations", "2", "--tflops", "10",
                "--mem-bw", "100g");
        assertEquals(0, r.exitCode(), r.err());
        Trace trace = TraceReader.read(file);
        assertEquals(List.of(new Iteration(0, 0, 300), new Iteration(1, 300, 300)), trace.iterations());
        assertEquals("llama3-8b with --layers 2 --hidden 64 --heads 4 --kv-heads 2 --ffn 256 --vocab 100 --seq 16"
                + " --batch 2 --micro-batches 2", trace.source().model());
        assertTrue(r.out().contains("ops                600 in 2 iterations (94 a step unsplit)"), r.out());
        assertTrue(r.out().contains("2 x 16 tokens, 2 micro-batches a step"), r.out());
        assertTrue(r.out().contains("peak live bytes"), r.out());
        assertTrue(r.out().contains("at 10 TFLOP/s and 0.11 TB/s"), r.out());
        assertTrue(r.out().strip().endsWith("Next: scripts/teraio analyze " + file), r.out());

        CliRunner analyzed = CliRunner.run("analyze", file.toString());
        assertEquals(0, analyzed.exitCode(), analyzed.err());
    }

    @Test
    void allStagesWritesTheRanksOfAPipelineJobThatPlanTakes() {
        Path job = dir.resolve("job.json.gz");
        String[] small = {"--preset", "llama3-8b", "--layers", "3", "--hidden", "64", "--heads", "4", "--kv-heads", "2",
            "--ffn", "256", "--vocab", "100", "--seq", "16", "--stages", "3"};
        List<String> args = new ArrayList<>(List.of("synth", "-o", job.toString(), "--all-stages"));
        args.addAll(List.of(small));
        CliRunner r = CliRunner.run(args.toArray(new String[0]));
        assertEquals(0, r.exitCode(), r.err());
        List<String> ranks = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Path rank = dir.resolve("job-stage" + k + ".json.gz");
            Trace trace = TraceReader.read(rank);
            assertTrue(trace.source().model().endsWith("--stages 3 --stage " + k), trace.source().model());
            assertTrue(r.out().contains(" -> " + rank + " in "), r.out());
            ranks.add(rank.toString());
        }
        assertTrue(r.out().contains("layers 0 to 0, the embedding") && r.out().contains("layers 2 to 2, the LM head"),
                r.out());
        assertTrue(r.out().strip().endsWith("Next: scripts/teraio plan " + String.join(" ", ranks)
                + " --devices 3 -o plan.json"), r.out());
        List<String> plan = new ArrayList<>(List.of("plan"));
        plan.addAll(ranks);
        plan.addAll(List.of("--devices", "3", "--ssd", "1g", "--ssd-per-device", "-o", dir.resolve("p.json").toString()));
        CliRunner planned = CliRunner.run(plan.toArray(new String[0]));
        assertEquals(0, planned.exitCode(), planned.err());
        assertTrue(planned.out().contains("  device 2: " + ranks.get(2)), planned.out());

        args.addAll(List.of("--stage", "1"));
        CliRunner both = CliRunner.run(args.toArray(new String[0]));
        assertEquals(Main.EXIT_USAGE, both.exitCode());
        assertEquals("--all-stages: writes every stage; give --stages N without --stage\n", both.err());
        CliRunner one = CliRunner.run("synth", "--preset", "llama3-8b", "--layers", "2", "-o", job.toString(),
                "--all-stages");
        assertEquals(Main.EXIT_USAGE, one.exitCode());
        assertEquals("--all-stages: the model has one stage; give --stages N (2 or more)\n", one.err());
    }

    @Test
    void llama3At50kKernelsHasItsPublishedSizes() {
        Path file = dir.resolve("llama3-8b.json.gz");
        CliRunner r = CliRunner.run("synth", "--preset", "llama3-8b", "-o", file.toString(), "--kernels", "50000");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("8.03 B parameters"), r.out());
        assertTrue(r.out().contains("50,000 in 1 iteration (619 a step unsplit)"), r.out());
        assertTrue(r.out().contains("parameter        291 persistent (14.96 GiB)"), r.out());
        assertTrue(r.out().contains("optimizer_state  582 persistent (59.83 GiB)"), r.out());
        assertEquals(50_000, TraceReader.read(file).ops().size());
    }

    @Test
    void teraioSetupIsTheLastStageInFp32() {
        Path file = dir.resolve("teraio-llama3-8b.json.gz");
        CliRunner r = CliRunner.run("synth", "--preset", "teraio-llama3-8b", "--micro-batches", "4", "-o",
                file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("stage              1 of 2: layers 16 to 31, the LM head; 4.02 B parameters"),
                r.out());
        assertTrue(r.out().contains("8 x 2048 tokens, 4 micro-batches a step (32 sequences), 4 bytes a weight or"
                + " activation"), r.out());
        // 4.02 B fp32 weights: 16.06 GB; Adam's m and v twice that.
        assertTrue(r.out().contains("parameter        146 persistent (14.96 GiB)"), r.out());
        assertTrue(r.out().contains("optimizer_state  292 persistent (29.92 GiB)"), r.out());
        assertTrue(r.out().contains("1,205 in 1 iteration (1,205 a step unsplit)"), r.out());
        assertEquals("teraio-llama3-8b with --micro-batches 4", TraceReader.read(file).source().model());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--preset llama2-7b | --preset: unknown model preset 'llama2-7b'; the presets are gpt2-large, llama3-8b, llama3-70b, granite-8b, teraio-llama3-8b",
        "--preset llama3-8b --stages 2 --stage 2 | --stage: must be below --stages 2, got 2",
        "--preset llama3-8b --layers 2 --stages 3 | --stages: 3 is more than the 2 layers",
        "--preset gpt2-large --heads 7 | --heads: hidden 1280 (the preset's) is not a multiple of heads 7; give --hidden too",
        "--preset llama3-8b --heads 4 | --heads: heads 4 is not a multiple of kv-heads 8; give --kv-heads too",
        "--preset llama3-8b --layers 0 | --layers: must be at least 1, got 0",
        "--preset llama3-8b --kernels 100 | --kernels: 100 is below the 619 ops of an unsplit step",
        "--preset llama3-8b --mem-bw fast | --mem-bw: 'fast' is not a size",
        "--preset llama3-8b --tflops -1 | --tflops: must be positive",
        "--preset gpt2-large --micro-batches 100000 | --micro-batches 100000: 65,700,038 ops, more than the 1,000,000 a"
            + " generated trace may have",
        "--preset gpt2-large --kernels 1000001 | --kernels 1000001: 1,000,001 ops, more than the 1,000,000",
        "--preset llama3-8b --iterations 2000 | --iterations 2000: 1,238,000 ops in 2,000 iterations, more than the"
            + " 1,000,000",
        "--preset gpt2-large --batch 2147483647 | --batch 2147483647: the tensors would hold 8.00 EiB together, more than"
            + " the 1 PiB (2^50 bytes) a trace may",
        "--preset gpt2-large --hidden 1048576 --heads 1 --kv-heads 1 | --hidden 1048576 --heads 1 --kv-heads 1: the"
            + " tensors would hold 1.70 PiB together",
        "--preset gpt2-large --hidden 2147483647 --heads 1 --kv-heads 1 | --hidden 2147483647 --heads 1 --kv-heads 1:"
            + " its largest tensor would hold 1.84e+19 bytes",
        "--preset gpt2-large --tflops 1e-300 | --tflops 1.0E-300: the ops would last",
    })
    void badValuesAreOneLineNamingTheOption(String options, String message) {
        Path out = dir.resolve("bad.json");
        List<String> args = new ArrayList<>(List.of("synth", "-o", out.toString()));
        args.addAll(List.of(options.split(" ")));
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.out() + r.err());
        assertEquals("", r.out());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith(message), "'" + message + "' does not start: " + lines[0]);
        assertFalse(Files.exists(out));
    }
}
