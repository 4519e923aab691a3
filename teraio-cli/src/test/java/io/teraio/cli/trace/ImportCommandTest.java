package io.teraio.cli.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.cli.SharedTraces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code teraio import} as a user runs it, on the real traces in the shared folder. */
class ImportCommandTest {
    @TempDir
    Path dir;

    private JsonNode importAndAnalyze(String... importArgs) throws IOException {
        Path out = dir.resolve("imported.json.gz");
        String[] args = new String[importArgs.length + 2];
        System.arraycopy(importArgs, 0, args, 0, importArgs.length);
        args[importArgs.length] = "-o";
        args[importArgs.length + 1] = out.toString();
        CliRunner imported = CliRunner.run(args);
        assertEquals(0, imported.exitCode(), imported.err());
        assertTrue(imported.out().contains("  ops       kept "), imported.out());
        assertTrue(imported.out().contains("assumptions:"), imported.out());

        CliRunner analyzed = CliRunner.run("analyze", out.toString(), "--json");
        assertEquals(0, analyzed.exitCode(), analyzed.err());
        JsonNode summary = new ObjectMapper().readTree(analyzed.out());
        assertTrue(summary.get("opCount").asInt() > 0);
        assertTrue(summary.get("peakLiveBytes").asLong() > 0);
        double mean = summary.get("meanActiveFraction").asDouble();
        assertTrue(mean > 0 && mean <= 1, "mean active fraction " + mean);
        return summary;
    }

    @ParameterizedTest
    @ValueSource(strings = {"BERT_Base_bs256", "VIT_bs1280", "Inceptionv3_bs1536", "ResNet152_bs1280", "SENet154_bs1024"})
    void importsG10Configs(String model) throws IOException {
        Path kernels = SharedTraces.file("g10/" + model + ".kernels.config.gz");
        Path intervals = SharedTraces.file("g10/" + model + ".interval.config.gz");
        importAndAnalyze("import", "--from", "g10", kernels.toString(), intervals.toString());
    }

    @Test
    void importsAPytorchExecutionTraceWithItsKinetoTrace() throws IOException {
        Path et = SharedTraces.file("param/resnet18_bs128_et.json.gz");
        Path kineto = SharedTraces.file("param/resnet18_bs128_kineto.json.gz");
        importAndAnalyze("import", "--from", "pytorch-et", et.toString(), "--kineto", kineto.toString());
    }

    @Test
    void importsAPytorchExecutionTraceWithEstimatedDurations() throws IOException {
        Path et = SharedTraces.file("param/linear_et.json.gz");
        importAndAnalyze("import", "--from", "pytorch-et", et.toString(), "--tflops", "100", "--mem-bw", "1000g");
    }

    @Test
    void aCpuRunIsRefusedWithAHintAndPlannedWithDeviceCpu() throws IOException {
        // The ResNet-18 execution trace as a CPU run would record it: every tensor on the CPU.
        Path gpuRun = SharedTraces.file("param/resnet18_bs128_et.json.gz");
        Path cpuRun = dir.resolve("resnet18_cpu_et.json");
        String json;
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(gpuRun))) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Files.writeString(cpuRun, json.replace("\"cuda:0\"", "\"cpu\""));
        Path out = dir.resolve("cpu.json.gz");
        CliRunner refused = CliRunner.run("import", "--from", "pytorch-et", cpuRun.toString(), "-o", out.toString());
        assertEquals(Main.EXIT_USAGE, refused.exitCode());
        assertTrue(refused.err().strip().startsWith(cpuRun + ": every tensor of the execution trace is on the CPU"),
                refused.err());
        assertTrue(refused.err().contains("--device cpu"), refused.err());
        assertTrue(Files.notExists(out));

        JsonNode asCpu = importAndAnalyze("import", "--from", "pytorch-et", cpuRun.toString(), "--device", "cpu");
        JsonNode asGpu = importAndAnalyze("import", "--from", "pytorch-et", gpuRun.toString());
        // The CPU run's tensors are planned as the device's: the GPU run's, plus its CPU tensors.
        assertTrue(asCpu.get("peakLiveBytes").asLong() >= asGpu.get("peakLiveBytes").asLong(), asCpu.toString());
        Path plan = dir.resolve("plan.json");
        long half = asCpu.get("peakLiveBytes").asLong() / 2;
        CliRunner planned = CliRunner.run("plan", dir.resolve("imported.json.gz").toString(), "--gpu-mem",
                half + "b", "-o", plan.toString());
        assertEquals(0, planned.exitCode(), planned.err());
        assertTrue(Files.exists(plan));
    }

    @Test
    void kinetoTraceWithoutMemoryEventsIsRefusedUnlessOpsOnly() throws IOException {
        // Neither shared Kineto trace was recorded with profile_memory=True.
        Path kineto = SharedTraces.file("param/linear_kineto.json.gz");
        Path out = dir.resolve("kineto.json");
        CliRunner refused = CliRunner.run("import", "--from", "kineto", kineto.toString(), "-o", out.toString());
        assertEquals(Main.EXIT_USAGE, refused.exitCode());
        assertTrue(refused.err().strip().startsWith(kineto + ": no [memory] events"), refused.err());
        assertTrue(refused.err().contains("profile_memory=True") && refused.err().contains("--ops-only"), refused.err());
        assertTrue(Files.notExists(out));

        CliRunner imported = CliRunner.run("import", "--from", "kineto", "--ops-only", kineto.toString(),
                "-o", out.toString());
        assertEquals(0, imported.exitCode(), imported.err());
        assertTrue(imported.out().contains("ops only, no tensors"), imported.out());
        CliRunner analyzed = CliRunner.run("analyze", out.toString(), "--json");
        assertEquals(0, analyzed.exitCode(), analyzed.err());
        JsonNode summary = new ObjectMapper().readTree(analyzed.out());
        assertTrue(summary.get("opCount").asInt() > 1000, analyzed.out());
        assertEquals(0, summary.get("tensorCount").asInt());
    }

    @Test
    void unknownFormatIsAUsageError() {
        CliRunner r = CliRunner.run("import", "--from", "tensorflow", "x.json", "-o", dir.resolve("t.json").toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("import: unknown format 'tensorflow'; --from must be one of pytorch-et, kineto, g10",
                r.err().strip());
    }

    @Test
    void badInputsGetOneLineNamingTheFile() throws IOException {
        Path notATrace = dir.resolve("plan.json");
        Files.writeString(notATrace, "{\"format\": \"teraio-plan\", \"version\": 1}");
        Path missing = dir.resolve("missing.json");
        for (String format : new String[] {"pytorch-et", "kineto", "g10"}) {
            for (Path input : new Path[] {notATrace, missing}) {
                CliRunner r = CliRunner.run("import", "--from", format, input.toString(), "-o",
                        dir.resolve("out.json").toString());
                assertEquals(Main.EXIT_USAGE, r.exitCode(), format + " " + input + ": " + r.out() + r.err());
                String[] lines = r.err().strip().split("\n");
                assertEquals(1, lines.length, r.err());
                assertTrue(lines[0].contains(input.toString()), lines[0]);
                assertTrue(Files.notExists(dir.resolve("out.json")), "a failed import wrote its output");
            }
        }
    }

    @Test
    void badOptionValuesNameTheOption() {
        Path out = dir.resolve("t.json");
        CliRunner r = CliRunner.run("import", "--from", "pytorch-et", "x.json", "-o", out.toString(), "--mem-bw", "fast");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith("--mem-bw: 'fast' is not a size"), r.err());

        r = CliRunner.run("import", "--from", "g10", "x.config", "-o", out.toString(), "--kineto", "k.json");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("--kineto: only for --from pytorch-et", r.err().strip());

        r = CliRunner.run("import", "--from", "pytorch-et", "x.json", "-o", out.toString(), "--ops-only");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("--ops-only: only for --from kineto", r.err().strip());
    }
}
