package io.teraio.profiler.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceValidator;
import io.teraio.profiler.LifetimeAnalyzer;
import io.teraio.profiler.LifetimeSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class G10ImporterTest {
    private static final Path TRACES = Path.of(System.getProperty("teraio.traces.dir", "../../shared/traces-data"));
    private static final Path G10 = TRACES.resolve("g10");
    private static final String SEP = "____________________________________________________________________\n";

    private final G10Importer importer = new G10Importer();

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ real data

    private static Path real(String model, String kind) {
        Assumptions.assumeTrue(Files.isDirectory(G10), "no G10 data in " + G10.toAbsolutePath());
        return G10.resolve(model + "." + kind + ".config.gz");
    }

    @ParameterizedTest
    @ValueSource(strings = {"BERT_Base_bs256", "VIT_bs1280", "Inceptionv3_bs1536", "ResNet152_bs1280",
            "SENet154_bs1024"})
    void realModelsImportWithAndWithoutIntervals(String model) throws IOException {
        Path kernels = real(model, "kernels");
        Path intervals = real(model, "interval");
        ImportResult alone = importer.importFiles(List.of(kernels), ImportOptions.defaults());
        // Inputs in either order; the interval file cross-checks and changes nothing.
        ImportResult both = importer.importFiles(List.of(intervals, kernels), ImportOptions.defaults());
        assertEquals(alone.trace(), both.trace());

        Trace trace = both.trace();
        TraceValidator.validate(trace, model);
        ImportReport report = both.report();
        assertEquals(report.opsRead(), report.opsKept());
        assertEquals(trace.ops().size(), report.opsKept());
        assertEquals(trace.tensors().size(), report.tensorsKept());
        assertTrue(report.opsKept() > 500, "kernels: " + report.opsKept());
        assertEquals(1, trace.iterations().size());
        assertEquals(trace.tensors().stream().mapToLong(Tensor::bytes).sum(), report.bytesKept());

        // Every op's tensors exist, sizes are positive.
        Set<Integer> ids = new HashSet<>();
        for (Tensor tensor : trace.tensors()) {
            ids.add(tensor.id());
            assertTrue(tensor.bytes() > 0, tensor.key());
        }
        for (Op op : trace.ops()) {
            for (int id : op.uses()) {
                assertTrue(ids.contains(id), op.name() + " uses unknown tensor " + id);
            }
        }

        // Persistent tensors are exactly the global ones, counted independently from the raw file.
        Set<String> globals = globalTensorNames(kernels);
        Set<String> persistent = new HashSet<>();
        for (Tensor tensor : trace.tensors()) {
            if (tensor.persistent()) {
                persistent.add(tensor.key());
                assertEquals(TensorKind.PARAMETER, tensor.kind());
            }
        }
        assertFalse(globals.isEmpty());
        assertEquals(globals, persistent);

        LifetimeSummary summary = LifetimeAnalyzer.analyze(trace).summary();
        // A training iteration at these batch sizes on G10's simulated A100 takes seconds (1-300 s).
        assertTrue(summary.totalDurationNs() > 1_000_000_000L && summary.totalDurationNs() < 300_000_000_000L,
                "iteration " + summary.totalDurationNs() + " ns");
        assertTrue(summary.meanActiveFraction() > 0 && summary.meanActiveFraction() < 1,
                "mean active fraction " + summary.meanActiveFraction());
        // Tens of GiB live at peak: these batch sizes were chosen to overflow a 40 GB GPU.
        assertTrue(summary.peakLiveBytes() > (1L << 30), "peak " + summary.peakLiveBytes());
        assertTrue(summary.peakLiveBytes() <= summary.totalBytes());
        assertTrue(trace.tensors().stream().anyMatch(t -> t.kind() == TensorKind.GRADIENT), "no gradients");
    }

    @Test
    void largestFileImportsQuickly() {
        Path kernels = real("SENet154_bs1024", "kernels");
        Path intervals = real("SENet154_bs1024", "interval");
        importer.importFiles(List.of(kernels, intervals), ImportOptions.defaults()); // warm up
        long start = System.nanoTime();
        importer.importFiles(List.of(kernels, intervals), ImportOptions.defaults());
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMs < 2000, "import took " + elapsedMs + " ms");
    }

    @Test
    void progressIsToldEveryByteOfBothFiles() throws IOException {
        Path kernels = real("BERT_Base_bs256", "kernels");
        Path intervals = real("BERT_Base_bs256", "interval");
        java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();
        importer.importFiles(List.of(kernels, intervals), ImportOptions.defaults().withBytesRead(read::addAndGet));
        assertEquals(Files.size(kernels) + Files.size(intervals), read.get());
    }

    private static Set<String> globalTensorNames(Path gz) throws IOException {
        Set<String> names = new HashSet<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("tensor") && line.contains("(global)?: 1,")) {
                    names.add(line.substring(0, line.indexOf(' ')));
                }
            }
        }
        return names;
    }

    // ------------------------------------------------------------------ grammar on small files

    private static String tensor(int id, boolean global, long bytes) {
        return "tensor" + id + " Is weight (global)?: " + (global ? 1 : 0) + ", Size in byte: " + bytes
                + ", Range:0--" + bytes + "\n";
    }

    private static String kernel(int id, String name, long cycles, String inputs, String outputs) {
        return "Kernel ID: " + id + ", Name: " + name + "\n" + "Parent Layer ID:" + id + "; Name:Layer\n"
                + "Execution Time: " + cycles + "\n" + "(8,3,4,4)\n" + "Input Tensors:\n" + inputs
                + "Output Tensors:\n" + outputs + SEP;
    }

    /** Load, forward (weight w1), backward, weight update: 4 kernels, 5 tensors. */
    private static String smallKernels() {
        return kernel(0, "LoadData_A0", 1200, "", tensor(0, false, 100))
                + kernel(1, "Conv2d_Forward", 2400, tensor(1, true, 40) + tensor(0, false, 100), tensor(2, false, 200))
                + kernel(2, "Conv2d_Backward_Weight", 3600, tensor(2, false, 200) + tensor(0, false, 100),
                        tensor(3, false, 40))
                + kernel(3, "Conv2d_Apply_Grad", 120, tensor(1, true, 40) + tensor(3, false, 40), tensor(1, true, 40));
    }

    private static String smallIntervals() {
        String sep1 = "____________________________________________________________\n";
        String sep2 = "_______________________________________________________________\n";
        return tensor(0, false, 100) + "Liveness: Birth: 0, Death: 3.\n" + sep1 + tensor(0, false, 100)
                + "Hidding Intervals:\n" + sep2
                + tensor(1, true, 40) + "Global!\n" + sep1 + tensor(1, true, 40) + "\nHidding Intervals:\n"
                + "interval 0: 2--------3\nEstimated Time:3\n" + sep2
                + tensor(2, false, 200) + "Liveness: Birth: 1, Death: 3.\n" + sep1 + tensor(2, false, 200)
                + "Hidding Intervals:\n" + sep2
                + tensor(3, false, 40) + "Liveness: Birth: 2, Death: 4.\n" + sep1 + tensor(3, false, 40)
                + "Hidding Intervals:\n" + sep2
                + tensor(9, false, 64) + "Liveness: Birth: 1, Death: -1.\n" + sep1 + tensor(9, false, 64)
                + "Hidding Intervals:\n" + sep2;
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private Path writeGzip(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    @Test
    void smallFileMapsKernelsAndTensors() throws IOException {
        Path kernels = write("m.kernels.config", smallKernels());
        ImportResult result = importer.importFiles(List.of(kernels), ImportOptions.defaults());
        Trace trace = result.trace();

        assertEquals(List.of("LoadData_A0", "Conv2d_Forward", "Conv2d_Backward_Weight", "Conv2d_Apply_Grad"),
                trace.ops().stream().map(Op::name).toList());
        // 1.2 GHz: 1200 cycles = 1000 ns.
        assertArrayEquals(new long[] {1000, 2000, 3000, 100},
                trace.ops().stream().mapToLong(Op::durationNs).toArray());
        assertEquals(4, trace.tensors().size());
        Tensor input = byKey(trace, "op0.out0");
        Tensor weight = byKey(trace, "tensor1");
        Tensor activation = byKey(trace, "op1.out0");
        Tensor gradient = byKey(trace, "op2.out0");
        assertTrue(weight.persistent());
        assertEquals(TensorKind.PARAMETER, weight.kind());
        assertEquals(40, weight.bytes());
        assertEquals(TensorKind.ACTIVATION, activation.kind());
        assertEquals(TensorKind.GRADIENT, gradient.kind());
        assertFalse(input.persistent());

        // The input lives from the load (op 0) to its last use (op 2).
        assertArrayEquals(new int[] {input.id()}, trace.ops().get(0).allocs());
        assertTrue(contains(trace.ops().get(2).frees(), input.id()));
        // The gradient is allocated by the backward kernel and freed by the update that reads it.
        assertTrue(contains(trace.ops().get(2).allocs(), gradient.id()));
        assertArrayEquals(new int[] {gradient.id()}, trace.ops().get(3).frees());
        // The update lists the weight as input and output: one use.
        assertArrayEquals(new int[] {weight.id(), gradient.id()}, trace.ops().get(3).uses());

        ImportReport report = result.report();
        assertEquals(4, report.opsRead());
        assertEquals(4, report.tensorsRead());
        assertEquals(380, report.bytesKept());
        assertEquals(0, report.bytesDropped());
        assertTrue(report.assumptions().stream().anyMatch(a -> a.contains("1.2 GHz")), report.assumptions()::toString);
    }

    @Test
    void intervalFileIsCrossCheckedAndItsUnusedTensorsDropped() throws IOException {
        // Gzip recognised by content, not by name; files told apart by content.
        Path kernels = writeGzip("a.txt", smallKernels());
        Path intervals = write("b.txt", smallIntervals());
        ImportResult result = importer.importFiles(List.of(intervals, kernels), ImportOptions.defaults());
        assertEquals(importer.importFiles(List.of(kernels), ImportOptions.defaults()).trace(), result.trace());
        ImportReport report = result.report();
        assertEquals(5, report.tensorsRead());
        assertEquals(4, report.tensorsKept());
        assertEquals(64, report.bytesDropped());
        assertEquals(1, report.dropped().size());
        assertTrue(report.assumptions().stream().anyMatch(a -> a.contains("b.txt: 5 tensor records")),
                report.assumptions()::toString);
    }

    @Test
    void blankLinesAndAMissingFinalSeparatorAreAccepted() throws IOException {
        String text = smallKernels().replace("Input Tensors:\n", "\nInput Tensors:\n");
        text = text.substring(0, text.length() - SEP.length());
        Path kernels = write("x.kernels.config", text);
        assertEquals(4, importer.importFiles(List.of(kernels), ImportOptions.defaults()).trace().ops().size());
    }

    // ------------------------------------------------------------------ errors

    private String error(List<Path> inputs) {
        TeraioException e = assertThrows(TeraioException.class,
                () -> importer.importFiles(inputs, ImportOptions.defaults()));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        // Files are named as the user gave them; the tests compare what follows the folder.
        String folder = dir + "/";
        assertTrue(e.getMessage().startsWith(folder) || e.getMessage().startsWith("g10 import:"), e.getMessage());
        return e.getMessage().replace(folder, "");
    }

    @Test
    void notAKernelsConfig() throws IOException {
        Path file = write("model.kernels.config", "{\"nodes\": []}\n");
        assertEquals("model.kernels.config:1: not a G10 kernels config: expected \"Kernel ID: 0, Name: NAME\", "
                + "got \"{\"nodes\": []}\"", error(List.of(file)));
    }

    @Test
    void unknownContentIsNamed() throws IOException {
        Path file = write("trace.json", "{\"nodes\": []}\n");
        assertTrue(error(List.of(file)).startsWith("trace.json:1: not a G10 kernels or interval config"));
    }

    @Test
    void missingExecutionTime() throws IOException {
        Path file = write("m.kernels.config", smallKernels().replace("Execution Time: 2400\n", ""));
        // Kernel 1 starts on line 9: header, parent, then the shape line where the time belongs.
        assertEquals("m.kernels.config:11: expected \"Execution Time: CYCLES\" for kernel 1, got \"(8,3,4,4)\"",
                error(List.of(file)));
    }

    @Test
    void badTensorLine() throws IOException {
        Path file = write("m.kernels.config", smallKernels().replace("Size in byte: 200,", "Size in byte: lots,"));
        String message = error(List.of(file));
        assertTrue(message.startsWith("m.kernels.config:17: expected an integer size in bytes"), message);
    }

    @Test
    void kernelsOutOfOrder() throws IOException {
        Path file = write("m.kernels.config", smallKernels().replace("Kernel ID: 2,", "Kernel ID: 7,"));
        assertTrue(error(List.of(file)).startsWith("m.kernels.config:19: expected kernel 2"));
    }

    @Test
    void inconsistentRedeclaration() throws IOException {
        String text = smallKernels();
        int last = text.lastIndexOf(tensor(3, false, 40));
        text = text.substring(0, last) + tensor(3, false, 48) + text.substring(last + tensor(3, false, 40).length());
        Path file = write("m.kernels.config", text);
        String message = error(List.of(file));
        // Kernel 3 starts on line 29; its second input, on line 35, is the bad one.
        assertEquals("m.kernels.config:35: tensor3 is redeclared as 48 bytes, not global, it was 40 bytes, not global",
                message);
    }

    @Test
    void kernelTensorUndeclaredInIntervalFile() throws IOException {
        Path kernels = write("m.kernels.config", smallKernels());
        String intervals = smallIntervals();
        int start = intervals.indexOf(tensor(2, false, 200));
        int end = intervals.indexOf(tensor(3, false, 40));
        Path interval = write("m.interval.config", intervals.substring(0, start) + intervals.substring(end));
        // tensor2 is first named on line 17 of the kernels config, by kernel 1.
        assertEquals("m.kernels.config:17: kernel 1 uses tensor2, which m.interval.config does not declare (files "
                + "from different runs?)", error(List.of(kernels, interval)));
    }

    @Test
    void intervalFileFromAnotherRun() throws IOException {
        Path kernels = write("m.kernels.config", smallKernels());
        Path interval = write("m.interval.config", smallIntervals().replace("Birth: 1, Death: 3.", "Birth: 0, Death: 3."));
        String message = error(List.of(kernels, interval));
        assertTrue(message.startsWith("m.interval.config:17: tensor2 has Birth 0, Death 3 but the kernels config uses "
                + "it from kernel 1 to 2"), message);
    }

    @Test
    void truncatedGzip() throws IOException {
        Path full = writeGzip("full.kernels.config.gz", smallKernels().repeat(1));
        byte[] bytes = Files.readAllBytes(full);
        Path truncated = dir.resolve("cut.kernels.config.gz");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        String message = error(List.of(truncated));
        assertTrue(message.matches("cut\\.kernels\\.config\\.gz: truncated gzip stream after line \\d+"), message);
    }

    @Test
    void gzipCutInsideItsHeader() throws IOException {
        Path file = dir.resolve("header-only.kernels.config.gz");
        Files.write(file, new byte[] {0x1f, (byte) 0x8b, 8});
        assertEquals("header-only.kernels.config.gz: truncated gzip stream (no complete header)", error(List.of(file)));
    }

    @Test
    void truncatedInsideAKernel() throws IOException {
        String text = smallKernels();
        Path file = write("m.kernels.config", text.substring(0, text.indexOf("Execution Time: 3600")));
        assertEquals("m.kernels.config:20: the file ends inside kernel 2 (before its \"Output Tensors:\"): truncated?",
                error(List.of(file)));
    }

    @Test
    void missingFile() {
        assertEquals("gone.kernels.config: cannot read: no such file",
                error(List.of(dir.resolve("gone.kernels.config"))));
    }

    @Test
    void intervalFileAloneOrTwoKernelsFiles() throws IOException {
        Path interval = write("m.interval.config", smallIntervals());
        assertTrue(error(List.of(interval)).startsWith("m.interval.config: an interval config alone"));
        Path a = write("a.kernels.config", smallKernels());
        Path b = write("b.kernels.config", smallKernels());
        assertEquals("b.kernels.config: a second kernels config (the first is a.kernels.config)", error(List.of(a, b)));
        assertTrue(error(List.of()).startsWith("g10 import: no input files"));
    }

    @Test
    void emptyFile() throws IOException {
        Path file = write("m.kernels.config", "");
        assertEquals("m.kernels.config: not a G10 kernels config: no \"Kernel ID:\" lines", error(List.of(file)));
    }

    private static Tensor byKey(Trace trace, String key) {
        return trace.tensors().stream().filter(t -> t.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no tensor " + key + " in "
                        + trace.tensors().stream().map(Tensor::key).toList()));
    }

    private static boolean contains(int[] values, int value) {
        return Arrays.stream(values).anyMatch(v -> v == value);
    }
}
