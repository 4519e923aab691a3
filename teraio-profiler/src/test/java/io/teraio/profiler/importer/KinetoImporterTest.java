package io.teraio.profiler.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KinetoImporterTest {
    private static final Path TRACES = Path.of(System.getProperty("teraio.traces.dir", "../../shared/traces-data"));

    @TempDir
    Path dir;

    // ------------------------------------------------------------ real files (no [memory] events)

    private static Path realFile(String name) {
        Path file = TRACES.resolve("param").resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(file), "real traces not found at " + file.toAbsolutePath()
                + " (set -Dteraio.traces.dir)");
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear_kineto.json.gz", "resnet18_bs128_kineto.json.gz"})
    void realTracesWithoutMemoryEventsAreRejectedByDefault(String name) {
        Path file = realFile(name);
        TeraioException e = assertThrows(TeraioException.class,
                () -> new KinetoImporter().importFiles(List.of(file), ImportOptions.defaults()));
        assertTrue(e.getMessage().startsWith(file + ": no [memory] events"), e.getMessage());
        assertTrue(e.getMessage().contains("profile_memory=True"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear_kineto.json.gz", "resnet18_bs128_kineto.json.gz"})
    void realTracesImportAsOpsOnly(String name) throws IOException {
        Path file = realFile(name);
        ImportResult result = KinetoImporter.opsOnly().importFiles(List.of(file), ImportOptions.defaults());
        Trace trace = result.trace();
        TraceValidator.validate(trace, name);

        long deviceEvents = countDeviceOpEvents(file);
        assertTrue(deviceEvents > 1000, "the file has device ops: " + deviceEvents);
        assertEquals(deviceEvents, trace.ops().size(), "one op per kernel / memcpy / memset");
        assertEquals(deviceEvents, result.report().opsRead());
        assertTrue(trace.tensors().isEmpty());
        assertTrue(trace.totalDurationNs() > 0);
        for (Op op : trace.ops()) {
            assertTrue(op.durationNs() >= 1, "op " + op.index());
        }
        long namedByCpuOp = trace.ops().stream().filter(op -> op.name().startsWith("aten::")).count();
        assertTrue(namedByCpuOp > trace.ops().size() / 2, "most kernels are named by their aten:: op: "
                + namedByCpuOp + " of " + trace.ops().size());
        assertEquals(1, trace.iterations().size(), "these files have no ProfilerStep#N spans");
        assertTrue(result.report().assumptions().stream().anyMatch(a -> a.contains("no [memory] events")));
    }

    private static long countDeviceOpEvents(Path file) throws IOException {
        long count = 0;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
             JsonParser json = new JsonFactory().createParser(in)) {
            JsonToken token;
            while ((token = json.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME && "cat".equals(json.currentName())) {
                    json.nextToken();
                    String cat = json.getText();
                    if (cat.equals("kernel") || cat.equals("gpu_memcpy") || cat.equals("gpu_memset")) {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    // ------------------------------------------------------------ a realistic synthetic training trace

    @Test
    void syntheticTrainingTraceImportsWithPlausibleLifetimes() throws IOException {
        TrainingTrace training = new TrainingTrace(new Random(7), 3, 6);
        Path file = training.write(dir.resolve("train.json.gz"));

        ImportResult result = new KinetoImporter().importFiles(List.of(file), null);
        Trace trace = result.trace();
        TraceValidator.validate(trace, "train");

        assertEquals(training.kernels, trace.ops().size());
        assertEquals(3, trace.iterations().size(), "one iteration per ProfilerStep#N");
        for (Op op : trace.ops()) {
            for (int id : op.uses()) {
                assertTrue(trace.slotOf(id) >= 0, "op " + op.index() + " uses unknown tensor " + id);
            }
        }
        for (Tensor tensor : trace.tensors()) {
            assertTrue(tensor.bytes() > 0);
        }
        assertEquals(training.deviceAllocations, trace.tensors().size());
        assertEquals(training.params, trace.tensors().stream().filter(Tensor::persistent).count(),
                "the parameters allocated before the first op and never freed are persistent");

        LifetimeSummary summary = LifetimeAnalyzer.analyze(trace).summary();
        assertTrue(summary.peakLiveBytes() > 0);
        // Live bytes leave out what was allocated before the trace (unknown to us) and can only
        // grow by mapping an alloc earlier / a free later than it was: 10% slack.
        assertTrue(summary.peakLiveBytes() <= training.maxTotalAllocated * 1.1,
                summary.peakLiveBytes() + " <= " + training.maxTotalAllocated);
        assertTrue(summary.peakLiveBytes() >= training.maxTotalAllocated / 2,
                "the peak is not far below the allocator's: " + summary.peakLiveBytes() + " vs "
                        + training.maxTotalAllocated);
        assertTrue(summary.meanActiveFraction() > 0 && summary.meanActiveFraction() < 1);
        assertTrue(trace.totalDurationNs() > 0);

        ImportReport report = result.report();
        assertEquals(training.deviceAllocations + training.cpuAllocations, report.tensorsRead());
        assertEquals(training.deviceAllocations, report.tensorsKept());
        assertEquals(training.cpuBytes, report.bytesDropped());
        assertEquals(trace.tensors().stream().mapToLong(Tensor::bytes).sum(), report.bytesKept());
    }

    // ------------------------------------------------------------ rules on small hand-made traces

    @Test
    void allocationsAndFreesMapToTheKernelsOfTheirCpuOps() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::linear", 0, 10, 1);
        t.launch(5, 1, 100);
        t.kernel("sgemm", 100, 10, 100);
        t.cpuOp("aten::relu", 20, 10, 1);
        t.launch(25, 1, 101);
        t.kernel("relu_kernel", 120, 10, 101);
        t.cpuOp("aten::sum", 40, 10, 1);
        t.launch(45, 1, 102);
        t.kernel("reduce_kernel", 140, 5, 102);
        t.memory(2, 1, 0x1000, 4096, 1, 4096); // in linear, before its launch: written by sgemm
        t.memory(42, 1, 0x1000, -4096, 1, 0); // in sum, before its launch: last read by relu_kernel
        t.memory(43, 1, 0x2000, 512, 1, 512); // in sum: written by reduce_kernel, never freed
        Trace trace = new KinetoImporter().importFiles(List.of(t.write(dir.resolve("a.json"))), null).trace();

        assertEquals(List.of("aten::linear", "aten::relu", "aten::sum"),
                trace.ops().stream().map(Op::name).toList());
        assertEquals(10_000, trace.ops().get(0).durationNs());
        Tensor first = trace.tensors().get(0);
        assertEquals("op0.out0", first.key());
        assertEquals(TensorKind.ACTIVATION, first.kind());
        assertArrayEquals(new int[] {first.id()}, trace.ops().get(0).allocs());
        assertArrayEquals(new int[] {first.id()}, trace.ops().get(1).frees());
        assertArrayEquals(new int[] {first.id()}, trace.ops().get(1).uses());
        Tensor second = trace.tensors().get(1);
        assertEquals("op2.out0", second.key());
        assertArrayEquals(new int[] {second.id()}, trace.ops().get(2).allocs());
        assertEquals(0, trace.ops().get(2).frees().length, "never freed: lives to the end");
    }

    @Test
    void aTensorAllocatedAndFreedWithinOneOpIsAWorkspaceUsedByItsKernels() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::conv", 0, 20, 1);
        t.memory(1, 1, 0x10, 1 << 20, 1, 1 << 20);
        t.launch(2, 1, 1);
        t.kernel("im2col", 100, 5, 1);
        t.launch(3, 1, 2);
        t.kernel("gemm", 106, 5, 2);
        t.memory(4, 1, 0x10, -(1 << 20), 1, 0);
        t.cpuOp("aten::add", 30, 5, 1);
        t.launch(31, 1, 3);
        t.kernel("add", 120, 5, 3);
        Trace trace = new KinetoImporter().importFiles(List.of(t.write(dir.resolve("w.json"))), null).trace();

        Tensor workspace = trace.tensors().get(0);
        assertArrayEquals(new int[] {workspace.id()}, trace.ops().get(0).allocs());
        assertArrayEquals(new int[] {workspace.id()}, trace.ops().get(1).frees());
        assertArrayEquals(new int[] {workspace.id()}, trace.ops().get(1).uses(), "both kernels of conv use it");
        assertEquals(0, trace.ops().get(2).uses().length);
    }

    @Test
    void kernelsWithoutALaunchAreNamedByTheKernelAndOrderedByStart() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::mm", 0, 10, 1);
        t.launch(5, 1, 1);
        t.kernel("late_gemm", 300, 2, 1);
        t.kernel("nccl_allreduce", 200, 4, 77); // no cuda_runtime event with correlation 77
        t.memory(1, 1, 0x1, 64, 1, 64);
        ImportResult result = new KinetoImporter().importFiles(List.of(t.write(dir.resolve("k.json"))), null);

        assertEquals(List.of("nccl_allreduce", "aten::mm"), result.trace().ops().stream().map(Op::name).toList());
        assertTrue(result.report().assumptions().stream().anyMatch(a -> a.contains("by the kernel name (1)")),
                result.report().assumptions().toString());
    }

    @Test
    void cpuAllocationsAreDroppedAndCounted() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::copy_", 0, 10, 1);
        t.launch(5, 1, 1);
        t.kernel("memcpy", 100, 1, 1);
        t.memory(1, 1, 0x1, 1000, 0, 1000);
        t.memory(2, 1, 0x2, 2000, 0, 3000);
        t.memory(3, 1, 0x3, 300, 1, 300);
        t.memory(4, 1, 0x1, -1000, 0, 2000);
        ImportResult result = new KinetoImporter().importFiles(List.of(t.write(dir.resolve("c.json"))), null);

        assertEquals(1, result.trace().tensors().size());
        assertEquals(300, result.trace().tensors().get(0).bytes());
        assertEquals(3, result.report().tensorsRead());
        assertEquals(1, result.report().tensorsKept());
        assertEquals(3000, result.report().bytesDropped());
        assertTrue(result.report().dropped().stream().anyMatch(d -> d.startsWith("2 CPU allocations")),
                result.report().dropped().toString());
    }

    @Test
    void freesOfUnknownAddressesAreCounted() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::add", 0, 10, 1);
        t.launch(5, 1, 1);
        t.kernel("add", 100, 1, 1);
        t.memory(6, 1, 0xdead, -4096, 1, 0);
        t.memory(7, 1, 0xbeef, -100, 1, 0);
        ImportResult result = new KinetoImporter().importFiles(List.of(t.write(dir.resolve("u.json"))), null);

        assertTrue(result.trace().tensors().isEmpty());
        assertTrue(result.report().dropped().stream().anyMatch(d -> d.startsWith("2 CUDA frees of unknown addresses")
                && d.contains("4,196 bytes")), result.report().dropped().toString());
    }

    @Test
    void profilerStepsCutIterations() throws IOException {
        Chrome t = new Chrome();
        for (int step = 0; step < 3; step++) {
            double base = step * 100;
            t.cpuOp("ProfilerStep#" + step, base, 90, 1);
            t.cpuOp("aten::mul", base + 10, 10, 1);
            t.launch(base + 15, 1, step);
            t.kernel("mul", base + 1000, 5, step);
            t.memory(base + 11, 1, 0x40, 64, 1, 64);
            t.memory(base + 80, 1, 0x40, -64, 1, 0);
        }
        Trace trace = new KinetoImporter().importFiles(List.of(t.write(dir.resolve("s.json"))), null).trace();

        assertEquals(3, trace.iterations().size());
        assertEquals(List.of("op0.out0", "op0.out0", "op0.out0"), trace.tensors().stream().map(Tensor::key).toList(),
                "the same allocation site in every iteration");
        // The step span is not an op and not a cpu_op group: the kernel is named by aten::mul.
        assertEquals("aten::mul", trace.ops().get(0).name());
    }

    @Test
    void aCpuOnlyTraceUsesTopLevelCpuOps() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::linear", 0, 10, 1);
        t.cpuOp("aten::addmm", 1, 8, 1);
        t.cpuOp("aten::relu", 20, 4, 1);
        t.memory(2, 1, 0x9, 128, 1, 128);
        t.memory(21, 1, 0x9, -128, 1, 0);
        ImportResult result = new KinetoImporter().importFiles(List.of(t.write(dir.resolve("cpu.json"))), null);
        Trace trace = result.trace();

        assertEquals(List.of("aten::linear", "aten::relu"), trace.ops().stream().map(Op::name).toList());
        assertEquals(10_000, trace.ops().get(0).durationNs());
        assertArrayEquals(new int[] {0}, trace.ops().get(0).allocs());
        assertArrayEquals(new int[] {0}, trace.ops().get(1).frees());
        assertTrue(result.report().assumptions().stream().anyMatch(a -> a.contains("CPU-only")));
    }

    /** A CPU run as torch.profiler records it: top-level cpu_ops and CPU (Device Type 0) allocations. */
    private Path cpuRun() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::linear", 0, 10, 1);
        t.cpuOp("aten::relu", 20, 4, 1);
        t.cpuOp("aten::sum", 30, 2, 1);
        t.memory(1, 1, 0x9, 4096, 0, 4096);
        t.memory(21, 1, 0xa, 4096, 0, 8192);
        t.memory(22, 1, 0x9, -4096, 0, 4096);
        t.memory(31, 1, 0xa, -4096, 0, 0);
        return t.write(dir.resolve("cpu-run.json"));
    }

    @Test
    void aTraceWhoseAllocationsAreAllOnTheCpuIsAnErrorThatSaysSo() throws IOException {
        Path file = cpuRun();
        TeraioException e = importError(file);
        assertOneLine(e, file, ": every allocation of the trace is on the CPU (2 allocations, 8.00 KiB), so there is"
                + " no device memory to plan; to plan the CPU's memory as the device's, import it with --device cpu");
    }

    @Test
    void withCpuAsDeviceTheCpuAllocationsAreTheTensors() throws IOException {
        ImportResult result = new KinetoImporter().importFiles(List.of(cpuRun()),
                ImportOptions.defaults().withCpuAsDevice(true));
        Trace trace = result.trace();
        assertEquals(List.of("aten::linear", "aten::relu", "aten::sum"), trace.ops().stream().map(Op::name).toList());
        assertEquals(2, trace.tensors().size());
        assertTrue(trace.tensors().stream().allMatch(t -> t.bytes() == 4096 && t.device() == 0));
        assertArrayEquals(new int[] {0}, trace.ops().get(0).allocs());
        assertArrayEquals(new int[] {0}, trace.ops().get(1).frees());
        assertArrayEquals(new int[] {1}, trace.ops().get(2).frees());
        assertEquals(0, result.report().bytesDropped());
    }

    // ------------------------------------------------------------ errors

    private TeraioException importError(Path file) {
        return assertThrows(TeraioException.class, () -> new KinetoImporter().importFiles(List.of(file), null));
    }

    private void assertOneLine(TeraioException e, Path file, String problem) {
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void jsonWithoutTraceEventsIsNotAChromeTrace() throws IOException {
        Path file = Files.writeString(dir.resolve("et.json"), "{\"nodes\": [], \"schema\": \"1.0.1\"}");
        assertOneLine(importError(file), file, "not a Chrome trace: no \"traceEvents\" array");
        Path array = Files.writeString(dir.resolve("array.json"), "[{\"ph\": \"X\"}]");
        assertOneLine(importError(array), array, "not a Chrome trace");
    }

    @Test
    void aTraceWithoutMemoryEventsSaysHowToRecordOne() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::add", 0, 10, 1);
        t.launch(5, 1, 1);
        t.kernel("add", 100, 1, 1);
        Path file = t.write(dir.resolve("nomem.json"));
        assertOneLine(importError(file), file, "no [memory] events, so no allocations to plan: record with "
                + "torch.profiler.profile(profile_memory=True)");
    }

    @Test
    void truncatedInputsAreReported() throws IOException {
        Chrome t = new Chrome();
        t.cpuOp("aten::add", 0, 10, 1);
        t.memory(1, 1, 0x1, 10, 1, 10);
        String json = t.json();
        Path plain = Files.writeString(dir.resolve("cut.json"), json.substring(0, json.length() / 2));
        assertOneLine(importError(plain), plain, "truncated");

        byte[] gz = gzip(json);
        Path cutGz = dir.resolve("cut.json.gz");
        Files.write(cutGz, Arrays.copyOf(gz, gz.length / 2));
        assertOneLine(importError(cutGz), cutGz, "truncated or corrupt gzip data");

        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"traceEvents\": [ {\"ph\": X} ]}");
        assertOneLine(importError(bad), bad, "not valid JSON");
    }

    @Test
    void missingEmptyFilesAndDirectoriesAreReported() throws IOException {
        Path missing = dir.resolve("nope.json.gz");
        assertEquals(missing + ": no such file", importError(missing).getMessage());
        assertEquals(dir + ": cannot read: is a directory", importError(dir).getMessage());
        Path empty = dir.resolve("empty.json");
        assertEquals(empty + ": empty file", assertThrows(TeraioException.class,
                () -> new KinetoImporter().importFiles(List.of(Files.createFile(empty)), null)).getMessage());
        TeraioException two = assertThrows(TeraioException.class,
                () -> new KinetoImporter().importFiles(List.of(missing, missing), null));
        assertTrue(two.getMessage().contains("expects one Chrome trace file"), two.getMessage());
    }

    @Test
    void formatNameIsKineto() {
        assertEquals("kineto", new KinetoImporter().format());
    }

    // ------------------------------------------------------------ helpers

    private static byte[] gzip(String text) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** Builds a Chrome trace the way torch.profiler lays it out. */
    static final class Chrome {
        private final List<String> events = new ArrayList<>();

        void cpuOp(String name, double ts, double dur, int tid) {
            events.add(String.format(Locale.ROOT, "{\"ph\": \"X\", \"cat\": \"cpu_op\", \"name\": \"%s\", \"pid\": 1, "
                    + "\"tid\": %d, \"ts\": %.3f, \"dur\": %.3f, \"args\": {\"External id\": %d}}",
                    name, tid, ts, dur, events.size() + 100000));
        }

        void launch(double ts, int tid, long correlation) {
            events.add(String.format(Locale.ROOT, "{\"ph\": \"X\", \"cat\": \"cuda_runtime\", \"name\": "
                    + "\"cudaLaunchKernel\", \"pid\": 1, \"tid\": %d, \"ts\": %.3f, \"dur\": 1, \"args\": "
                    + "{\"correlation\": %d}}", tid, ts, correlation));
        }

        void kernel(String name, double ts, double dur, long correlation) {
            events.add(String.format(Locale.ROOT, "{\"ph\": \"X\", \"cat\": \"kernel\", \"name\": \"%s\", \"pid\": 0, "
                    + "\"tid\": 7, \"ts\": %.3f, \"dur\": %.3f, \"args\": {\"device\": 0, \"stream\": 7, "
                    + "\"correlation\": %d, \"External id\": %d, \"grid\": [1, 1, 1]}}", name, ts, dur, correlation,
                    correlation));
        }

        void memory(double ts, int tid, long addr, long bytes, int deviceType, long totalAllocated) {
            events.add(String.format(Locale.ROOT, "{\"ph\": \"i\", \"cat\": \"cpu_instant_event\", \"s\": \"t\", "
                    + "\"name\": \"[memory]\", \"pid\": 1, \"tid\": %d, \"ts\": %.3f, \"args\": {\"Total Reserved\": "
                    + "%d, \"Total Allocated\": %d, \"Bytes\": %d, \"Addr\": %d, \"Device Id\": %d, "
                    + "\"Device Type\": %d}}", tid, ts, totalAllocated * 2, totalAllocated, bytes, addr,
                    deviceType == 1 ? 0 : -1, deviceType));
        }

        String json() {
            return "{\n  \"schemaVersion\": 1,\n  \"deviceProperties\": [{\"id\": 0}],\n  \"traceEvents\": [\n  "
                    + String.join(",\n  ", events) + "\n  ],\n  \"traceName\": \"test\"\n}\n";
        }

        Path write(Path file) throws IOException {
            if (file.toString().endsWith(".gz")) {
                Files.write(file, gzip(json()));
            } else {
                Files.writeString(file, json());
            }
            return file;
        }
    }

    /**
     * A small training loop as torch.profiler records it: parameters allocated before the
     * profiled ops, per step a forward (each layer allocates its output, a workspace freed
     * within the op, a CPU staging buffer), a backward freeing activations in reverse, and a
     * ProfilerStep#N span around each step; Total Allocated is the running sum.
     */
    static final class TrainingTrace {
        final Chrome chrome = new Chrome();
        int kernels;
        int params;
        int deviceAllocations;
        int cpuAllocations;
        long cpuBytes;
        long maxTotalAllocated;
        private long total;
        private long nextAddr = 0x7f0000000000L;
        private long correlation;
        private double gpuTs = 1_000_000;
        private final Map<Long, Long> sizes = new HashMap<>();

        TrainingTrace(Random random, int steps, int layers) {
            double ts = 0;
            long[] paramAddr = new long[layers];
            for (int l = 0; l < layers; l++) {
                paramAddr[l] = alloc(ts += 1, 1, (1 + random.nextInt(4)) << 20);
                params++;
            }
            // A free of something allocated before profiling started.
            chrome.memory(ts += 1, 1, 0x1234, -4096, 1, total);
            for (int step = 0; step < steps; step++) {
                double stepStart = ts += 5;
                long[] acts = new long[layers];
                for (int l = 0; l < layers; l++) {
                    double start = ts += 2;
                    acts[l] = alloc(ts += 1, 1, (1 + random.nextInt(8)) << 20);
                    long workspace = alloc(ts += 1, 1, 1 << 16);
                    launch(ts += 1, 1, "gemm");
                    launch(ts += 1, 1, "bias");
                    free(ts += 1, 1, workspace);
                    cpuAllocations++;
                    cpuBytes += 256;
                    chrome.memory(ts += 0.5, 1, 0x5000 + l, 256, 0, 0);
                    chrome.memory(ts += 0.5, 1, 0x5000 + l, -256, 0, 0);
                    chrome.cpuOp("aten::linear", start, ts + 1 - start, 1);
                    ts += 2;
                }
                for (int l = layers - 1; l >= 0; l--) {
                    double start = ts += 2;
                    long grad = alloc(ts += 1, 2, sizes.get(acts[l]));
                    launch(ts += 1, 2, "gemm_backward");
                    free(ts += 1, 2, acts[l]);
                    launch(ts += 1, 2, "sgd_update");
                    free(ts += 1, 2, grad);
                    chrome.cpuOp("autograd::engine::evaluate_function: AddmmBackward0", start, ts + 1 - start, 2);
                    ts += 2;
                }
                chrome.cpuOp("ProfilerStep#" + step, stepStart, ts + 1 - stepStart, 1);
            }
        }

        private long alloc(double ts, int tid, long bytes) {
            long addr = nextAddr;
            nextAddr += bytes + 512;
            total += bytes;
            maxTotalAllocated = Math.max(maxTotalAllocated, total);
            sizes.put(addr, bytes);
            deviceAllocations++;
            chrome.memory(ts, tid, addr, bytes, 1, total);
            return addr;
        }

        private void free(double ts, int tid, long addr) {
            long bytes = sizes.remove(addr);
            total -= bytes;
            chrome.memory(ts, tid, addr, -bytes, 1, total);
        }

        private void launch(double ts, int tid, String kernel) {
            long id = correlation++;
            chrome.launch(ts, tid, id);
            gpuTs = Math.max(gpuTs, ts + 50);
            double dur = 3 + id % 5;
            chrome.kernel(kernel, gpuTs, dur, id);
            gpuTs += dur + 1;
            kernels++;
        }

        Path write(Path file) throws IOException {
            return chrome.write(file);
        }
    }
}
