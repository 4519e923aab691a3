package io.teraio.profiler.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.profiler.LifetimeAnalyzer;
import io.teraio.profiler.LifetimeSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PytorchEtImporterTest {
    private static final Path PARAM = Path.of(System.getProperty("teraio.traces.dir", "../../shared/traces-data"))
            .resolve("param");
    private static final double GB = 1e9;

    private final PytorchEtImporter importer = new PytorchEtImporter();

    @TempDir
    Path tmp;

    private static Path real(String file) {
        Assumptions.assumeTrue(Files.isDirectory(PARAM), "no real traces at " + PARAM.toAbsolutePath());
        Path path = PARAM.resolve(file);
        Assumptions.assumeTrue(Files.isRegularFile(path), "missing " + path);
        return path;
    }

    private ImportResult importReal(String et, String kineto) {
        Path kinetoPath = kineto == null ? null : real(kineto);
        return importer.importFiles(List.of(real(et)), new ImportOptions(kinetoPath,
                ImportOptions.H100_FLOPS_PER_SECOND, ImportOptions.H100_MEMORY_BYTES_PER_SECOND));
    }

    /** Every op names existing tensors, sizes are positive, durations at least 1 ns. */
    private static void checkInvariants(ImportResult result) {
        Trace trace = result.trace();
        assertFalse(trace.ops().isEmpty());
        for (Tensor tensor : trace.tensors()) {
            assertTrue(tensor.bytes() > 0, tensor.key());
        }
        for (Op op : trace.ops()) {
            assertTrue(op.durationNs() >= 1, op.name());
            for (int id : op.uses()) {
                assertTrue(id >= 0 && id < trace.tensors().size(), op.name());
            }
        }
        ImportReport report = result.report();
        assertEquals(trace.ops().size(), report.opsKept());
        assertEquals(trace.tensors().size(), report.tensorsKept());
        assertTrue(report.opsRead() > report.opsKept());
        assertTrue(report.tensorsRead() >= report.tensorsKept());
        assertFalse(report.assumptions().isEmpty());
    }

    private static long bytesOf(Trace trace, TensorKind kind) {
        return trace.tensors().stream().filter(t -> t.kind() == kind).mapToLong(Tensor::bytes).sum();
    }

    private static long countOf(Trace trace, TensorKind kind) {
        return trace.tensors().stream().filter(t -> t.kind() == kind).count();
    }

    @Test
    void gpt2LargeImportsWithPlausibleMemory() {
        Path file = real("hf_GPT2_et.json.tar.gz");
        long start = System.nanoTime();
        ImportResult result = importer.importFiles(List.of(file), ImportOptions.defaults());
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        checkInvariants(result);
        Trace trace = result.trace();
        LifetimeSummary summary = LifetimeAnalyzer.analyze(trace).summary();
        System.out.println("GPT-2-large: import " + elapsedMs + " ms, " + summary);
        System.out.println(result.report());
        // a guard against pathological work, not a speed claim (benchmarks/ measures speed): about
        // 2 s alone, it took 11.6 to 16.8 s at a load average of 21 to 24 on 2 cores
        assertTrue(elapsedMs < 60_000, "import took " + elapsedMs + " ms");
        assertTrue(trace.tensors().size() > 1000 && trace.tensors().size() < 20_000, "storages " + trace.tensors().size());
        assertTrue(summary.peakLiveBytes() > 5 * GB && summary.peakLiveBytes() < 20 * GB,
                "peak " + summary.peakLiveBytes());
        assertEquals(1, summary.iterationCount());
        // GPT-2-large: 774M fp32 parameters, 3.1 GB.
        long paramBytes = bytesOf(trace, TensorKind.PARAMETER);
        assertTrue(countOf(trace, TensorKind.PARAMETER) > 100, "parameters " + countOf(trace, TensorKind.PARAMETER));
        assertTrue(paramBytes > 0.8 * 3.1 * GB && paramBytes < 1.2 * 3.1 * GB, "parameter bytes " + paramBytes);
        long stateBytes = bytesOf(trace, TensorKind.OPTIMIZER_STATE);
        assertTrue(stateBytes > 1.5 * paramBytes && stateBytes < 2.5 * paramBytes, "Adam state bytes " + stateBytes);
        assertTrue(bytesOf(trace, TensorKind.GRADIENT) > 0.8 * paramBytes, "gradient bytes");
        for (Tensor tensor : trace.tensors()) {
            if (tensor.kind() == TensorKind.PARAMETER || tensor.kind() == TensorKind.OPTIMIZER_STATE) {
                assertTrue(tensor.persistent(), tensor.key());
            }
        }
        // The optimizer's last _foreach_ op touches every parameter's state; its tensors go to its
        // last leaf (an aten::result_type), which is named by both, so errors name the real op.
        var last = trace.ops().get(trace.ops().size() - 1);
        assertEquals("aten::_foreach_addcdiv_/aten::result_type", last.name());
        assertTrue(last.uses().length > 1000, "uses " + last.uses().length);
    }

    @Test
    void resnet18WithKinetoTakesKernelTimes() {
        ImportResult withKineto = importReal("resnet18_bs128_et.json.gz", "resnet18_bs128_kineto.json.gz");
        ImportResult estimated = importReal("resnet18_bs128_et.json.gz", null);
        checkInvariants(withKineto);
        checkInvariants(estimated);
        LifetimeSummary summary = LifetimeAnalyzer.analyze(withKineto.trace()).summary();
        System.out.println("ResNet-18 + Kineto: " + summary);
        System.out.println(withKineto.report());
        System.out.println("ResNet-18 estimated: " + LifetimeAnalyzer.analyze(estimated.trace()).summary());
        // One ResNet-18 step at batch 128 on an RTX 2080 Ti: tens to hundreds of ms of kernels.
        long totalNs = summary.totalDurationNs();
        assertTrue(totalNs > 20_000_000L && totalNs < 2_000_000_000L, "total " + totalNs + " ns");
        assertTrue(withKineto.report().assumptions().stream().anyMatch(a -> a.contains("kineto")));
        assertTrue(totalNs != LifetimeAnalyzer.analyze(estimated.trace()).summary().totalDurationNs());
        // The Kineto file holds 30 profiled steps; the ET's step is one of them, so its kernel
        // time is about a thirtieth of the file's.
        String durations = withKineto.report().assumptions().stream().filter(a -> a.startsWith("durations"))
                .findFirst().orElseThrow();
        assertTrue(durations.contains("by op sequence") && durations.contains("0 unmatched"), durations);
        // ResNet-18 has 11.7M parameters (47 MB fp32) in 62 tensors (20 convolutions, 20 batch
        // norms with weight and bias, the classifier's weight and bias), all persistent; SGD
        // with momentum keeps one buffer per parameter.
        long paramBytes = bytesOf(withKineto.trace(), TensorKind.PARAMETER);
        assertTrue(paramBytes > 40e6 && paramBytes < 55e6, "parameter bytes " + paramBytes);
        assertEquals(62, count(withKineto.trace(), TensorKind.PARAMETER));
        assertEquals(paramBytes, bytesOf(withKineto.trace(), TensorKind.OPTIMIZER_STATE));
    }

    private static long count(Trace trace, TensorKind kind) {
        return trace.tensors().stream().filter(t -> t.kind() == kind).count();
    }

    /**
     * A Kineto trace of two steps of mm, relu, sum with different kernel times and sequence
     * numbers; the ET is the second step (sequence numbers 11 to 13).
     */
    private static String twoStepKineto() {
        StringBuilder events = new StringBuilder();
        long[][] kernelUs = {{100, 20, 5}, {300, 40, 7}};
        String[] names = {"aten::mm", "aten::relu", "aten::sum"};
        int correlation = 1;
        for (int step = 0; step < 2; step++) {
            for (int k = 0; k < 3; k++) {
                long ts = 1000L * (step * 3 + k + 1);
                events.append(String.format("{\"ph\":\"X\",\"cat\":\"cpu_op\",\"name\":\"%s\",\"pid\":1,\"tid\":1,"
                                + "\"ts\":%d,\"dur\":50,\"args\":{\"Sequence number\":%d}},%n", names[k], ts,
                        step * 10 + k + 1));
                events.append(String.format("{\"ph\":\"X\",\"cat\":\"cuda_runtime\",\"name\":\"cudaLaunchKernel\","
                        + "\"pid\":1,\"tid\":1,\"ts\":%d,\"dur\":5,\"args\":{\"correlation\":%d}},%n", ts + 10, correlation));
                events.append(String.format("{\"ph\":\"X\",\"cat\":\"kernel\",\"name\":\"k\",\"pid\":0,\"tid\":7,"
                        + "\"ts\":%d,\"dur\":%d,\"args\":{\"correlation\":%d}},%n", ts + 20, kernelUs[step][k], correlation));
                correlation++;
            }
        }
        return "{\"traceEvents\": [" + events.substring(0, events.lastIndexOf(",")) + "]}";
    }

    @Test
    void kinetoTimesComeFromTheStepWithTheSameOpSequence() throws IOException {
        Path et = tmp.resolve("step_et.json");
        Files.writeString(et, FLAT_10.replace("\"id\": 2, \"parent\": 1,", "\"id\": 2, \"parent\": 1, \"seq_id\": 11,")
                .replace("\"id\": 3, \"parent\": 1,", "\"id\": 3, \"parent\": 1, \"seq_id\": 12,")
                .replace("\"id\": 5, \"parent\": 1,", "\"id\": 5, \"parent\": 1, \"seq_id\": 13,"));
        Path kineto = tmp.resolve("two_steps_kineto.json");
        Files.writeString(kineto, twoStepKineto());
        ImportResult result = importer.importFiles(List.of(et), new ImportOptions(kineto,
                ImportOptions.H100_FLOPS_PER_SECOND, ImportOptions.H100_MEMORY_BYTES_PER_SECOND));
        // aten::item is not in the Kineto trace: it is the one unmatched node, but it is not
        // kept (no device tensor); the kept ops take the second step's kernel times exactly.
        assertEquals(List.of(300_000L, 40_000L, 7_000L),
                result.trace().ops().stream().map(Op::durationNs).toList());
        String durations = result.report().assumptions().stream().filter(a -> a.startsWith("durations"))
                .findFirst().orElseThrow();
        assertTrue(durations.contains("3 of 4 nodes matched") && durations.contains("3 of 3 sequence numbers agree"),
                durations);
    }

    @Test
    void kinetoTraceOfAnotherRunIsRejected() throws IOException {
        Path et = tmp.resolve("flat_et.json");
        Files.writeString(et, FLAT_10);
        Path kineto = tmp.resolve("other_kineto.json");
        Files.writeString(kineto, twoStepKineto().replace("aten::mm", "aten::conv2d").replace("aten::relu", "aten::gelu"));
        TeraioException e = assertThrows(TeraioException.class, () -> importer.importFiles(List.of(et),
                new ImportOptions(kineto, ImportOptions.H100_FLOPS_PER_SECOND, ImportOptions.H100_MEMORY_BYTES_PER_SECOND)));
        assertEquals(kineto + ": only 1 of the execution trace's 4 ops appear in this Kineto trace in the same order;"
                + " is it the Kineto trace of the same run?", e.getMessage());
    }

    @Test
    void linearWithAndWithoutKineto() {
        ImportResult withKineto = importReal("linear_et.json.gz", "linear_kineto.json.gz");
        ImportResult estimated = importReal("linear_et.json.gz", null);
        checkInvariants(withKineto);
        checkInvariants(estimated);
        System.out.println("linear + Kineto: " + LifetimeAnalyzer.analyze(withKineto.trace()).summary());
        System.out.println("linear estimated: " + LifetimeAnalyzer.analyze(estimated.trace()).summary());
        assertEquals(withKineto.trace().ops().size(), estimated.trace().ops().size());
        assertTrue(LifetimeAnalyzer.analyze(withKineto.trace()).summary().totalDurationNs() > 0);
        // The file holds zero_grad, forward and backward but no optimizer step: the 1024x1024
        // fp32 gradients (4 MiB) are found through AccumulateGrad.
        assertTrue(withKineto.trace().tensors().stream()
                .anyMatch(t -> t.kind() == TensorKind.GRADIENT && t.bytes() == 4L * 1024 * 1024));
    }

    private static final String FLAT_10 = """
            {"schema": "1.0.1", "pid": 1, "nodes": [
              {"name": "[pytorch|profiler|execution_graph|thread]", "id": 1, "parent": 0,
               "inputs": [], "input_shapes": [], "input_types": [], "outputs": [], "output_shapes": [], "output_types": []},
              {"name": "aten::mm", "id": 2, "parent": 1,
               "inputs": [[10,100,0,4096,4,"cuda:0"],[11,101,0,4096,4,"cuda:0"]],
               "input_shapes": [[64,64],[64,64]], "input_types": ["Tensor(float)","Tensor(float)"],
               "outputs": [[12,102,0,4096,4,"cuda:0"]], "output_shapes": [[64,64]], "output_types": ["Tensor(float)"]},
              {"name": "aten::relu", "id": 3, "parent": 1,
               "inputs": [[12,102,0,4096,4,"cuda:0"]], "input_shapes": [[64,64]], "input_types": ["Tensor(float)"],
               "outputs": [[13,103,0,4096,4,"cuda:0"]], "output_shapes": [[64,64]], "output_types": ["Tensor(float)"]},
              {"name": "aten::item", "id": 4, "parent": 1,
               "inputs": [[14,104,0,1,4,"cpu"]], "input_shapes": [[]], "input_types": ["Tensor(float)"],
               "outputs": [1.0], "output_shapes": [[]], "output_types": ["Double"]},
              {"name": "aten::sum", "id": 5, "parent": 1,
               "inputs": [[13,103,0,4096,4,"cuda:0"]], "input_shapes": [[64,64]], "input_types": ["Tensor(float)"],
               "outputs": [[15,105,0,1,4,"cuda:0"]], "output_shapes": [[]], "output_types": ["Tensor(float)"]}
            ]}
            """;

    @Test
    void flatSchema10IsParsed() throws IOException {
        Path file = tmp.resolve("flat_et.json");
        Files.writeString(file, FLAT_10);
        ImportResult result = importer.importFiles(List.of(file), ImportOptions.defaults());
        Trace trace = result.trace();
        assertEquals(List.of("aten::mm", "aten::relu", "aten::sum"), trace.ops().stream().map(Op::name).toList());
        assertEquals(5, trace.tensors().size());
        assertTrue(trace.tensors().stream().allMatch(t -> t.bytes() == 16384 || t.bytes() == 4));
        // The mm output is allocated by op 0 and freed after its last use, relu.
        Op mm = trace.ops().get(0);
        Op relu = trace.ops().get(1);
        assertEquals(1, mm.allocs().length);
        assertTrue(Arrays.stream(relu.frees()).anyMatch(id -> id == mm.allocs()[0]));
        assertEquals("op0.out0", trace.tensors().get(mm.allocs()[0]).key());
        assertTrue(result.report().dropped().stream().anyMatch(d -> d.startsWith("1 CPU-only storages")));
        // 64x64x64 mm: 2*64^3 FLOPs and 48 KiB moved, about 15 ns at an H100's rates: a kernel's floor.
        assertEquals(PytorchEtImporter.KERNEL_FLOOR_NS, mm.durationNs());
    }

    @Test
    void estimatedDurationsComeFromFlopsAndBytesAndOpsWithoutAKernelTakeNone() throws IOException {
        // 4096x4096 fp32 matrices of 64 MiB: an mm, a view of its output, an add of two of them.
        String big = "0,16777216,4,\"cuda:0\"]";
        String shape = "[4096,4096]";
        Path file = tmp.resolve("costs_et.json");
        Files.writeString(file, """
                {"schema": "1.0.1", "nodes": [
                  {"name": "aten::mm", "id": 2, "parent": 1,
                   "inputs": [[1,200,%1$s,[2,201,%1$s], "input_shapes": [%2$s,%2$s], "input_types": ["Tensor(float)","Tensor(float)"],
                   "outputs": [[3,202,%1$s], "output_shapes": [%2$s], "output_types": ["Tensor(float)"]},
                  {"name": "aten::view", "id": 3, "parent": 1,
                   "inputs": [[3,202,%1$s], "input_shapes": [%2$s], "input_types": ["Tensor(float)"],
                   "outputs": [[4,202,%1$s], "output_shapes": [%2$s], "output_types": ["Tensor(float)"]},
                  {"name": "aten::add", "id": 4, "parent": 1,
                   "inputs": [[4,202,%1$s,[1,200,%1$s], "input_shapes": [%2$s,%2$s], "input_types": ["Tensor(float)","Tensor(float)"],
                   "outputs": [[5,203,%1$s], "output_shapes": [%2$s], "output_types": ["Tensor(float)"]}
                ]}
                """.formatted(big, shape));
        List<Op> ops = importer.importFiles(List.of(file), ImportOptions.defaults()).trace().ops();
        assertEquals(List.of("aten::mm", "aten::view", "aten::add"), ops.stream().map(Op::name).toList());
        // mm: 2 * 4096^3 FLOPs at 989 TFLOP/s (139 µs) beat 192 MiB at 3.35 TB/s (60 µs).
        assertEquals(Math.ceil(2.0 * 4096 * 4096 * 4096 / ImportOptions.H100_FLOPS_PER_SECOND * 1e9),
                ops.get(0).durationNs(), 1);
        // A view launches no kernel.
        assertEquals(1, ops.get(1).durationNs());
        // add: no FLOPs counted, 3 x 64 MiB read and written at 3.35 TB/s.
        assertEquals(Math.ceil(3.0 * 64 * 1024 * 1024 / ImportOptions.H100_MEMORY_BYTES_PER_SECOND * 1e9),
                ops.get(2).durationNs(), 1);
    }

    /** {@link #FLAT_10} as a CPU run recorded it: every tensor on the CPU. */
    private static final String FLAT_10_CPU = FLAT_10.replace("\"cuda:0\"", "\"cpu\"");

    @Test
    void aTraceWhoseTensorsAreAllOnTheCpuIsAnErrorThatSaysSo() throws IOException {
        Path file = tmp.resolve("cpu_et.json");
        Files.writeString(file, FLAT_10_CPU);
        TeraioException e = importError(importer, file);
        assertEquals(file + ": every tensor of the execution trace is on the CPU (6 storages, 64.01 KiB), so there"
                + " is no device memory to plan; to plan the CPU's memory as the device's, import it with --device cpu",
                e.getMessage());
    }

    @Test
    void withCpuAsDeviceTheCpuTensorsArePlannedAndTheGpusDropped() throws IOException {
        Path cpuFile = tmp.resolve("cpu_et.json");
        Files.writeString(cpuFile, FLAT_10_CPU);
        ImportOptions cpu = ImportOptions.defaults().withCpuAsDevice(true);
        Trace trace = importer.importFiles(List.of(cpuFile), cpu).trace();
        // The same ops and tensors as the GPU run's (aten::item's CPU scalar joins them).
        assertEquals(List.of("aten::mm", "aten::relu", "aten::item", "aten::sum"),
                trace.ops().stream().map(Op::name).toList());
        assertEquals(6, trace.tensors().size());
        assertTrue(trace.tensors().stream().allMatch(t -> t.device() == 0));

        Path gpuFile = tmp.resolve("flat_et.json");
        Files.writeString(gpuFile, FLAT_10);
        ImportResult mixed = importer.importFiles(List.of(gpuFile), cpu);
        // Of the GPU run only aten::item's CPU scalar is the CPU's; the five GPU storages are dropped.
        assertEquals(List.of("aten::item"), mixed.trace().ops().stream().map(Op::name).toList());
        assertTrue(mixed.report().dropped().stream().anyMatch(d -> d.startsWith("5 non-CPU storages")),
                mixed.report().dropped().toString());
    }

    private static TeraioException importError(PytorchEtImporter importer, Path file) {
        TeraioException e = assertThrows(TeraioException.class,
                () -> importer.importFiles(List.of(file), ImportOptions.defaults()));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e;
    }

    @Test
    void unknownSchemaVersionIsNamed() throws IOException {
        Path file = tmp.resolve("future_et.json");
        Files.writeString(file, FLAT_10.replace("1.0.1", "2.3.0"));
        String message = importError(importer, file).getMessage();
        assertTrue(message.contains("2.3.0") && message.contains("1.0.x") && message.contains("1.1.x"), message);
    }

    @Test
    void nonTraceJsonIsRejected() throws IOException {
        Path file = tmp.resolve("other.json");
        Files.writeString(file, "{\"traceEvents\": []}");
        assertTrue(importError(importer, file).getMessage().contains("not a PyTorch execution trace"));
    }

    @Test
    void truncatedGzipIsReported() throws IOException {
        byte[] gz = gzip(FLAT_10.getBytes(StandardCharsets.UTF_8));
        Path file = tmp.resolve("cut_et.json.gz");
        Files.write(file, Arrays.copyOf(gz, gz.length / 2));
        assertTrue(importError(importer, file).getMessage().contains("truncated"));
    }

    @Test
    void truncatedJsonIsReported() throws IOException {
        Path file = tmp.resolve("cut_et.json");
        Files.writeString(file, FLAT_10.substring(0, FLAT_10.length() / 2));
        assertTrue(importError(importer, file).getMessage().contains("truncated"));
    }

    @Test
    void tarGzImportsAndTruncatedTarGzIsReported() throws IOException {
        byte[] json = FLAT_10.getBytes(StandardCharsets.UTF_8);
        byte[] tarGz = gzip(tar("flat_et.json", json));
        Path whole = tmp.resolve("flat_et.json.tar.gz");
        Files.write(whole, tarGz);
        assertEquals(3, importer.importFiles(List.of(whole), ImportOptions.defaults()).trace().ops().size());

        // Cut inside the entry, but compress the cut archive well-formed: the tar reader must notice.
        byte[] tar = tar("flat_et.json", json);
        Path cutTar = tmp.resolve("cut_et.json.tar.gz");
        Files.write(cutTar, gzip(Arrays.copyOf(tar, 512 + json.length / 2)));
        assertTrue(importError(importer, cutTar).getMessage().contains("truncated"));

        Path cutGz = tmp.resolve("cut2_et.json.tar.gz");
        Files.write(cutGz, Arrays.copyOf(tarGz, tarGz.length - 20));
        assertTrue(importError(importer, cutGz).getMessage().contains("truncated"));
    }

    @Test
    void missingFileIsReported() {
        Path file = tmp.resolve("absent_et.json.gz");
        assertTrue(importError(importer, file).getMessage().contains("no such file"));
    }

    @Test
    void formatNameIsPytorchEt() {
        assertEquals("pytorch-et", importer.format());
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    /** A one-entry ustar archive. */
    private static byte[] tar(String name, byte[] data) {
        byte[] header = new byte[512];
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        put(header, 100, "0000644\0");
        put(header, 108, "0000000\0");
        put(header, 116, "0000000\0");
        put(header, 124, String.format("%011o\0", data.length));
        put(header, 136, "00000000000\0");
        header[156] = '0';
        put(header, 257, "ustar\0");
        put(header, 263, "00");
        put(header, 148, "        ");
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o\0 ", sum));
        int padded = (data.length + 511) / 512 * 512;
        byte[] tar = new byte[512 + padded + 1024];
        System.arraycopy(header, 0, tar, 0, 512);
        System.arraycopy(data, 0, tar, 512, data.length);
        return tar;
    }

    private static void put(byte[] into, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, into, offset, bytes.length);
    }
}
