package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of malformed inputs, generated here, for every reader the CLI has: traces
 * ({@code analyze}, and {@code plan} where the trace reads), plans ({@code simulate}),
 * hardware profiles ({@code plan --hardware}), the importers' formats ({@code import --from
 * pytorch-et, kineto, g10}: small inputs made here, and cuts of the shared real files where
 * they are present) and {@code synth}'s options. Every numeric field is tried at its limits and
 * beyond (0, -1, the int and long bounds and one past them, 2^50 and one past it, fractions,
 * exponents, strings, null), every required key is removed, files are cut short at many
 * points (plain and gzip), and bytes are broken (invalid UTF-8, NUL, raw controls, deep
 * nesting, numbers of 2,000 digits). Each input must get exactly one line on stderr and exit
 * code 2, or, where it is valid after all, exit code 0 with sane output (no negative sizes or
 * times, no percentage above 100, no raw control characters); never a stack trace, and never
 * more than {@link #TIMEOUT} (no hang). A trace that {@code import} or {@code synth} wrote
 * must read back through {@code analyze} as sanely.
 */
class MalformedInputCorpusTest {
    /** No hang: generous, as "synth at the ops limit" (a million kernels) passed 60 s at a load average of 15 on 2 cores. */
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RAW = "@@RAW@@";
    /** Literal JSON values for a numeric field: limits, one past them, and other types. */
    private static final List<String> NUMBERS = List.of("0", "-1", "1", "2147483647", "-2147483648", "2147483648",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1125899906842624",
            "1125899906842625", "1e400", "1.5", "-0", "\"7\"", "null", "true", "[]", "{}", "1" + "0".repeat(1999));
    /** A shorter list for the plan's and the hardware profile's fields. */
    private static final List<String> SOME_NUMBERS = List.of("0", "-1", "2147483647", "2147483648",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1125899906842625", "1e400", "1.5",
            "\"7\"", "null");
    private static final Pattern NEGATIVE = Pattern.compile("(?<![\\w.])-\\d");
    private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)%");

    @TempDir
    static Path dir;

    private static ObjectNode baseTrace;
    private static ObjectNode basePlan;
    private static ObjectNode baseHardware;
    private static Path traceFile;

    /**
     * One input: a file's bytes, the command that reads it ({@code @FILE@} stands for the
     * file), and what its error message must name ({@code @FILE@}: the file).
     */
    record Case(String name, String fileName, byte[] bytes, List<String> command, String named) {
        Case(String name, String fileName, byte[] bytes, List<String> command) {
            this(name, fileName, bytes, command, "@FILE@");
        }
    }

    @BeforeAll
    static void bases() throws IOException {
        baseTrace = (ObjectNode) JSON.readTree("""
                {"format": "teraio-trace", "version": 1,
                 "source": {"tool": "corpus", "framework": null, "model": "tiny", "device": "cpu"},
                 "iterations": [{"index": 0, "firstOp": 0, "opCount": 3}, {"index": 1, "firstOp": 3, "opCount": 3}],
                 "tensors": [
                  {"id": 0, "key": "w", "bytes": 65536, "kind": "parameter", "persistent": true, "offloadable": true, "device": 0},
                  {"id": 1, "key": "op0.out0", "bytes": 131072, "kind": "activation", "persistent": false, "offloadable": true, "device": 0},
                  {"id": 2, "key": "op0.out0", "bytes": 131072, "kind": "activation", "persistent": false, "offloadable": true, "device": 0},
                  {"id": 3, "key": "w.grad", "bytes": 65536, "kind": "gradient", "persistent": true, "offloadable": true, "device": 0}],
                 "ops": [
                  {"index": 0, "name": "linear", "durationNs": 1000000, "uses": [0, 1], "allocs": [1], "frees": []},
                  {"index": 1, "name": "relu", "durationNs": 500000, "uses": [1], "allocs": [], "frees": []},
                  {"index": 2, "name": "backward", "durationNs": 2000000, "uses": [1, 3], "allocs": [], "frees": [1]},
                  {"index": 3, "name": "linear", "durationNs": 1000000, "uses": [0, 2], "allocs": [2], "frees": []},
                  {"index": 4, "name": "relu", "durationNs": 500000, "uses": [2], "allocs": [], "frees": []},
                  {"index": 5, "name": "backward", "durationNs": 2000000, "uses": [2, 3], "allocs": [], "frees": [2]}]}
                """);
        traceFile = dir.resolve("base.json");
        Files.write(traceFile, bytes(baseTrace));
        Path planFile = dir.resolve("base-plan.json");
        CliRunner made = CliRunner.run("plan", traceFile.toString(), "--gpu-mem", "200k", "--ssd", "1x1g", "--pcie", "1g",
                "--host-mem", "0", "-o", planFile.toString());
        assertEquals(0, made.exitCode(), made.err());
        basePlan = (ObjectNode) JSON.readTree(planFile.toFile());
        assertTrue(basePlan.get("entries").size() > 0, "the base plan moves something: " + basePlan);
        assertTrue(basePlan.at("/entries/0/ssd").isInt(), "the base plan's first entry is on an SSD: " + basePlan);
        baseHardware = (ObjectNode) basePlan.get("hardware").deepCopy();
    }

    @TestFactory
    Stream<DynamicTest> everyMalformedInputGetsOneLineOrASaneResult() {
        List<Case> cases = new ArrayList<>();
        traceCases(cases);
        planCases(cases);
        hardwareCases(cases);
        flagCases(cases);
        importCases(cases);
        synthCases(cases);
        assertTrue(cases.size() >= 150, "the corpus has " + cases.size() + " inputs, fewer than 150");
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    // ---- traces ----

    private static void traceCases(List<Case> cases) {
        List<String> numericFields = List.of("/version", "/iterations/1/index", "/iterations/1/firstOp",
                "/iterations/1/opCount", "/iterations/0/opCount", "/tensors/1/id", "/tensors/1/bytes", "/tensors/0/bytes",
                "/tensors/1/device", "/ops/2/index", "/ops/2/durationNs", "/ops/0/durationNs", "/ops/2/uses/0",
                "/ops/0/allocs/0", "/ops/2/frees/0");
        for (String field : numericFields) {
            for (String value : NUMBERS) {
                cases.add(trace("trace " + field + " = " + shortly(value), withRaw(baseTrace, field, value)));
            }
        }
        for (String field : List.of("/format", "/source/model", "/tensors/0/key", "/tensors/0/kind", "/ops/0/name")) {
            for (String value : List.of("5", "null", "\"\"", "[]", "\"weights\"")) {
                cases.add(trace("trace " + field + " = " + value, withRaw(baseTrace, field, value)));
            }
        }
        for (String field : List.of("/tensors/0/persistent", "/tensors/1/offloadable", "/ops/0/uses", "/ops/0/allocs",
                "/iterations", "/tensors", "/ops", "/source")) {
            for (String value : List.of("\"yes\"", "0", "null", "{}")) {
                cases.add(trace("trace " + field + " = " + value, withRaw(baseTrace, field, value)));
            }
        }
        for (String pointer : List.of("", "/source", "/iterations/0", "/tensors/1", "/ops/2")) {
            JsonNode node = pointer.isEmpty() ? baseTrace : baseTrace.at(pointer);
            node.fieldNames().forEachRemaining(key -> {
                ObjectNode copy = baseTrace.deepCopy();
                ((ObjectNode) (pointer.isEmpty() ? copy : copy.at(pointer))).remove(key);
                cases.add(trace("trace " + pointer + " without \"" + key + "\"", bytes(copy)));
            });
        }
        // sums at and past their limits: all tensors hold 2^50 bytes, or the ops last 2^50 ns, together
        ObjectNode fullBytes = baseTrace.deepCopy();
        fullBytes.withArray("/tensors").forEach(t -> ((ObjectNode) t).put("bytes", 1L << 48));
        cases.add(trace("trace: all tensors together 2^50 bytes", bytes(fullBytes)));
        ((ObjectNode) fullBytes.at("/tensors/3")).put("bytes", (1L << 48) + 1);
        cases.add(trace("trace: all tensors together 2^50 + 1 bytes", bytes(fullBytes)));
        ObjectNode longOps = baseTrace.deepCopy();
        longOps.withArray("/ops").forEach(op -> ((ObjectNode) op).put("durationNs", Long.MAX_VALUE / 4));
        cases.add(trace("trace: six ops of 2^61 ns", bytes(longOps)));
        ObjectNode hugeTensors = baseTrace.deepCopy();
        for (int i = 0; i < 150; i++) {
            hugeTensors.withArray("/tensors").addObject().put("id", 100 + i).put("key", "big" + i).put("bytes", 1L << 62)
                    .put("kind", "other").put("persistent", true).put("offloadable", true).put("device", 0);
        }
        cases.add(trace("trace: 150 more tensors of 2^62 bytes", bytes(hugeTensors)));
        // names that would drive a terminal
        for (String name : List.of("lin\u001b[31mear", "clear\u001b[2J\u001b[H", "bell\u0007", "cr\rlf", "del\u007f",
                "c1\u009b31m", "bidi\u202eevil", "nul\u0000", "lone\ud800surrogate", "x".repeat(1 << 20))) {
            ObjectNode copy = baseTrace.deepCopy();
            ((ObjectNode) copy.at("/ops/0")).put("name", name);
            ((ObjectNode) copy.at("/tensors/1")).put("key", name);
            ((ObjectNode) copy.at("/source")).put("model", name);
            cases.add(trace("trace: op name, key and model " + shortly(TerminalWriter.escape(name)), bytes(copy)));
        }
        byte[] valid = bytes(baseTrace);
        String text = new String(valid, StandardCharsets.UTF_8);
        for (int i = 0; i <= 10; i++) {
            int cut = (int) ((long) valid.length * i / 10) - (i == 10 ? 1 : 0);
            cases.add(trace("trace cut at byte " + cut, Arrays.copyOf(valid, cut)));
        }
        byte[] gzipped = gzip(valid);
        for (int cut : new int[] {0, 1, 2, 10, 20, gzipped.length / 2, gzipped.length - 8, gzipped.length - 1}) {
            cases.add(new Case("gzip trace cut at byte " + cut, "t.json.gz", Arrays.copyOf(gzipped, cut), analyze()));
        }
        byte[] flipped = gzipped.clone();
        flipped[gzipped.length / 2] ^= 0x55;
        cases.add(new Case("gzip trace with a byte changed", "t.json.gz", flipped, analyze()));
        cases.add(new Case("gzip of nothing", "t.json.gz", gzip(new byte[0]), analyze()));
        cases.add(new Case("gzip of 32 MiB of spaces", "t.json.gz", gzip(" ".repeat(32 << 20).getBytes(StandardCharsets.US_ASCII)),
                analyze()));
        cases.add(new Case("gzip of a gzipped trace", "t.json.gz", gzip(gzipped), analyze()));
        cases.add(trace("trace: empty", new byte[0]));
        cases.add(trace("trace: whitespace", "  \n\t ".getBytes(StandardCharsets.US_ASCII)));
        for (String doc : List.of("{}", "[]", "null", "\"trace\"", "1", "true", "{\"format\": \"teraio-trace\"}", "{",
                "}", "{\"format\": \"teraio-plan\", \"version\": 1}")) {
            cases.add(trace("trace: " + doc, doc.getBytes(StandardCharsets.UTF_8)));
        }
        cases.add(trace("trace: UTF-8 BOM", concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, valid)));
        cases.add(trace("trace: UTF-16LE", text.getBytes(StandardCharsets.UTF_16LE)));
        cases.add(trace("trace: UTF-16 with BOM", text.getBytes(StandardCharsets.UTF_16)));
        cases.add(trace("trace: Latin-1 byte in a string", replaceFirst(valid, "relu", new byte[] {'r', (byte) 0xe9, 'l'})));
        cases.add(trace("trace: 0xff in the structure", replaceFirst(valid, "\"ops\"", new byte[] {(byte) 0xff})));
        cases.add(trace("trace: overlong UTF-8", replaceFirst(valid, "relu", new byte[] {(byte) 0xc0, (byte) 0xaf})));
        cases.add(trace("trace: NUL byte", replaceFirst(valid, "\"ops\"", new byte[] {0})));
        cases.add(trace("trace: raw control in a string", replaceFirst(valid, "relu", new byte[] {'r', 0x1b, 'u'})));
        cases.add(trace("trace: content after the object", concat(valid, "{}".getBytes(StandardCharsets.US_ASCII))));
        cases.add(trace("trace: duplicate \"ops\"", text.replaceFirst("\"ops\":", "\"ops\": [], \"ops\":")
                .getBytes(StandardCharsets.UTF_8)));
        cases.add(trace("trace: trailing comma", text.replaceFirst("\"frees\":\\[\\]}", "\"frees\":[],}")
                .getBytes(StandardCharsets.UTF_8)));
        cases.add(trace("trace: nesting 100,000 deep in an unknown key", text.replaceFirst("\\{", "{\"deep\": "
                + "[".repeat(100_000) + "]".repeat(100_000) + ",").getBytes(StandardCharsets.UTF_8)));
        cases.add(trace("trace: an unknown key of 4 MiB", text.replaceFirst("\\{", "{\"" + "k".repeat(4 << 20)
                + "\": 1,").getBytes(StandardCharsets.UTF_8)));
    }

    private static Case trace(String name, byte[] bytes) {
        return new Case(name, "t.json", bytes, analyze());
    }

    private static List<String> analyze() {
        return List.of("analyze", "@FILE@");
    }

    // ---- plans ----

    private static void planCases(List<Case> cases) {
        List<String> fields = List.of("/version", "/trace/opsPerIteration", "/entries/0/tensor", "/entries/0/issueAtOp",
                "/entries/0/deadlineOp", "/entries/0/ssd", "/hardware/devices/0/memoryBytes",
                "/hardware/devices/0/pcieBytesPerSecond", "/hardware/ssds/0/latencyNs", "/hardware/ssds/0/readBytesPerSecond",
                "/hardware/hostMemoryBytes", "/predicted/iterationNs");
        for (String field : fields) {
            for (String value : SOME_NUMBERS) {
                cases.add(plan("plan " + field + " = " + value, withRaw(basePlan, field, value)));
            }
        }
        for (String field : List.of("/entries/0/action", "/entries/0/target", "/entries/0/key", "/policy", "/format",
                "/trace/sha256", "/entries/0/urgent", "/entries", "/hardware")) {
            for (String value : List.of("\"sideways\"", "1", "null")) {
                cases.add(plan("plan " + field + " = " + value, withRaw(basePlan, field, value)));
            }
        }
        List<String> keys = new ArrayList<>();
        basePlan.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            ObjectNode copy = basePlan.deepCopy();
            copy.remove(key);
            cases.add(plan("plan without \"" + key + "\"", bytes(copy)));
        }
        basePlan.at("/entries/0").fieldNames().forEachRemaining(key -> {
            ObjectNode copy = basePlan.deepCopy();
            ((ObjectNode) copy.at("/entries/0")).remove(key);
            cases.add(plan("plan entry without \"" + key + "\"", bytes(copy)));
        });
        ObjectNode doubled = basePlan.deepCopy();
        ((ArrayNode) doubled.get("entries")).add(basePlan.at("/entries/0").deepCopy());
        cases.add(plan("plan with its first entry twice", bytes(doubled)));
        ObjectNode many = basePlan.deepCopy();
        for (int i = 0; i < 100_000; i++) {
            ((ArrayNode) many.get("entries")).add(basePlan.at("/entries/0").deepCopy());
        }
        cases.add(plan("plan with 100,000 copies of an entry", bytes(many)));
        byte[] valid = bytes(basePlan);
        for (int i = 1; i <= 9; i += 2) {
            int cut = valid.length * i / 10;
            cases.add(plan("plan cut at byte " + cut, Arrays.copyOf(valid, cut)));
        }
        cases.add(plan("plan: empty", new byte[0]));
        cases.add(plan("plan: a trace", bytes(baseTrace)));
        cases.add(plan("plan: invalid UTF-8", replaceFirst(valid, "teraio-plan", new byte[] {(byte) 0xfe, (byte) 0xff})));
    }

    private static Case plan(String name, byte[] bytes) {
        return new Case(name, "plan.json", bytes, List.of("simulate", traceFile.toString(), "@FILE@"));
    }

    // ---- hardware profiles ----

    private static void hardwareCases(List<Case> cases) {
        List<String> fields = List.of("/version", "/devices/0/id", "/devices/0/memoryBytes", "/devices/0/pcieBytesPerSecond",
                "/ssds/0/id", "/ssds/0/readBytesPerSecond", "/ssds/0/writeBytesPerSecond", "/ssds/0/latencyNs",
                "/ssds/0/device", "/hostMemoryBytes");
        for (String field : fields) {
            for (String value : SOME_NUMBERS) {
                cases.add(hardware("hardware " + field + " = " + value, withRaw(baseHardware, field, value)));
            }
        }
        for (String field : List.of("/devices", "/ssds", "/format", "/ssds/0/directory")) {
            for (String value : List.of("[]", "null", "1", "\"x\"")) {
                cases.add(hardware("hardware " + field + " = " + value, withRaw(baseHardware, field, value)));
            }
        }
        ObjectNode noSsd = baseHardware.deepCopy();
        noSsd.putArray("ssds");
        cases.add(hardware("hardware without SSDs and host memory", bytes(noSsd)));
        noSsd.put("hostMemoryBytes", 1L << 30);
        cases.add(hardware("hardware without SSDs, with host memory", bytes(noSsd)));
        ObjectNode manySsds = baseHardware.deepCopy();
        for (int i = 1; i < 2000; i++) {
            ((ArrayNode) manySsds.get("ssds")).add(((ObjectNode) baseHardware.at("/ssds/0").deepCopy()).put("id", i));
        }
        cases.add(hardware("hardware with 2,000 SSDs", bytes(manySsds)));
        byte[] valid = bytes(baseHardware);
        for (int i = 1; i <= 9; i += 4) {
            int cut = valid.length * i / 10;
            cases.add(hardware("hardware cut at byte " + cut, Arrays.copyOf(valid, cut)));
        }
        cases.add(hardware("hardware: a plan", bytes(basePlan)));
    }

    private static Case hardware(String name, byte[] bytes) {
        return new Case(name, "hardware.json", bytes, List.of("plan", traceFile.toString(), "--hardware", "@FILE@", "-o",
                dir.resolve("out-plan.json").toString()));
    }

    // ---- hardware flags ----

    private static void flagCases(List<Case> cases) {
        String[][] flags = {
            {"--gpu-mem", "40", "0", "-1", "1e400", "nan", "", "9e", "7e", "1p", "2p", "40g", "40GB", "1.5.2g", "0x10"},
            {"--ssd", "4*6.5g", "0x1g", "65x1g", "99999999999x1g", "x1g", "4x", "4x0", "4x1", "4x6.5", "4x6.5g", "1x1b",
                "4 x 6.5g", "4x6.5gx2"},
            {"--ssd-latency", "2s", "1s", "-1us", "1e300s", "20", "20us", "0"},
            {"--pcie", "1b", "1m", "1p", "2p", "16g"},
            {"--ssd-read", "1k", "1g", "9e"},
            {"--host-mem", "0", "1p", "2p", "64"},
        };
        for (String[] flag : flags) {
            for (int i = 1; i < flag.length; i++) {
                cases.add(new Case("flag " + flag[0] + " " + flag[i], "unused", new byte[0], List.of("plan",
                        traceFile.toString(), flag[0], flag[i], "-o", dir.resolve("flag-plan.json").toString()), "hardware"));
            }
        }
    }

    // ---- imports: PyTorch execution traces, Kineto traces, G10 configs ----

    private static final String ET = """
            {"schema": "1.1.0-chakra.0.0.4", "nodes": [
             {"name": "aten::mm", "id": 2, "ctrl_deps": 1,
              "inputs": {"values": [[1, 100, 0, 1024, 4, "cuda:0"], [2, 101, 0, 1024, 4, "cuda:0"]],
                         "shapes": [[32, 32], [32, 32]], "types": ["Tensor(float)", "Tensor(float)"]},
              "outputs": {"values": [[3, 102, 0, 1024, 4, "cuda:0"]], "shapes": [[32, 32]], "types": ["Tensor(float)"]}},
             {"name": "aten::relu", "id": 3, "ctrl_deps": 1,
              "inputs": {"values": [[3, 102, 0, 1024, 4, "cuda:0"]], "shapes": [[32, 32]], "types": ["Tensor(float)"]},
              "outputs": {"values": [[4, 103, 0, 1024, 4, "cuda:0"]], "shapes": [[32, 32]], "types": ["Tensor(float)"]}},
             {"name": "aten::sum", "id": 4, "ctrl_deps": 1,
              "inputs": {"values": [[4, 103, 0, 1024, 4, "cuda:0"]], "shapes": [[32, 32]], "types": ["Tensor(float)"]},
              "outputs": {"values": [[5, 104, 0, 1, 4, "cuda:0"]], "shapes": [[]], "types": ["Tensor(float)"]}}]}
            """;

    private static void importCases(List<Case> cases) {
        ObjectNode et = json(ET);
        for (String field : List.of("/nodes/0/id", "/nodes/0/ctrl_deps", "/nodes/0/inputs/values/0/1",
                "/nodes/0/inputs/values/0/2", "/nodes/0/inputs/values/0/3", "/nodes/0/inputs/values/0/4",
                "/nodes/0/inputs/shapes/0/0", "/nodes/2/outputs/values/0/3")) {
            for (String value : NUMBERS) {
                cases.add(et("et " + field + " = " + shortly(value), withRaw(et, field, value)));
            }
        }
        for (String field : List.of("/schema", "/nodes/0/name", "/nodes/0/inputs/types/0", "/nodes/0/inputs/values/0/5",
                "/nodes/0/inputs/values/0", "/nodes/0/inputs", "/nodes")) {
            for (String value : List.of("5", "null", "\"\"", "[]", "{}", "\"cuda:99999999999999999999\"")) {
                cases.add(et("et " + field + " = " + value, withRaw(et, field, value)));
            }
        }
        // sizes whose sum passes 2^50 bytes, or whose product passes 2^63
        ObjectNode huge = et.deepCopy();
        ((ArrayNode) huge.at("/nodes/0/inputs/values/0")).set(3, JSON.getNodeFactory().numberNode(1L << 48));
        ((ArrayNode) huge.at("/nodes/0/inputs/values/1")).set(3, JSON.getNodeFactory().numberNode(1L << 48));
        cases.add(et("et: two storages of 2^50 bytes", bytes(huge)));
        ((ArrayNode) huge.at("/nodes/0/inputs/values/0")).set(2, JSON.getNodeFactory().numberNode(Long.MAX_VALUE / 2));
        cases.add(et("et: (offset + numel) * itemsize past 2^63", bytes(huge)));
        for (String rates : List.of("--tflops 1e-300", "--mem-bw 1b", "--tflops 1e300", "--mem-bw 16383p")) {
            List<String> command = new ArrayList<>(importOf("pytorch-et"));
            command.addAll(List.of(rates.split(" ")));
            cases.add(new Case("et with " + rates, "et.json", ET.getBytes(StandardCharsets.UTF_8), command, rates.split(" ")[0]));
        }
        byte[] etBytes = ET.getBytes(StandardCharsets.UTF_8);
        for (int i = 1; i < 10; i += 2) {
            cases.add(et("et cut at byte " + etBytes.length * i / 10, Arrays.copyOf(etBytes, etBytes.length * i / 10)));
        }
        cases.add(et("et: invalid UTF-8", replaceFirst(etBytes, "aten::relu", new byte[] {(byte) 0xc0, (byte) 0xaf})));
        cases.add(et("et: UTF-16", ET.getBytes(StandardCharsets.UTF_16)));
        cases.add(et("et: nesting 100,000 deep in a value", ET.replaceFirst("\\[\\[1, 100", "[" + "[".repeat(100_000)
                + "]".repeat(100_000) + ", [1, 100").getBytes(StandardCharsets.UTF_8)));
        cases.add(et("et: a teraio trace", bytes(baseTrace)));
        for (String sample : List.of("linear_et.json.gz", "hf_GPT2_et.json.tar.gz")) {
            byte[] real = shared("param/" + sample);
            for (int cut : real.length == 0 ? new int[0] : new int[] {100, real.length / 3, real.length - 100}) {
                cases.add(new Case("real " + sample + " cut at byte " + cut, sample, Arrays.copyOf(real, cut),
                        importOf("pytorch-et")));
            }
        }
        byte[] kinetoSample = shared("param/linear_kineto.json.gz");
        List<String> withKineto = new ArrayList<>(importOf("pytorch-et"));
        Path linearEt = SharedTraces.path("param/linear_et.json.gz");
        withKineto.set(withKineto.indexOf("@FILE@"), linearEt.toString());
        withKineto.addAll(List.of("--kineto", "@FILE@"));
        for (int cut : kinetoSample.length == 0 ? new int[0] : new int[] {10, kinetoSample.length / 2, kinetoSample.length - 9}) {
            cases.add(new Case("real linear_kineto.json.gz cut at byte " + cut + " as --kineto", "k.json.gz",
                    Arrays.copyOf(kinetoSample, cut), withKineto));
        }

        ObjectNode kineto = json(KINETO);
        for (String field : List.of("/traceEvents/0/ts", "/traceEvents/0/dur", "/traceEvents/1/ts",
                "/traceEvents/2/ts", "/traceEvents/2/dur", "/traceEvents/2/args/correlation", "/traceEvents/3/args/Bytes",
                "/traceEvents/3/args/Addr", "/traceEvents/3/args/Device Type", "/traceEvents/3/args/Device Id",
                "/traceEvents/3/ts", "/traceEvents/5/args/Bytes", "/traceEvents/4/dur")) {
            for (String value : NUMBERS) {
                cases.add(kineto("kineto " + field + " = " + shortly(value), withRaw(kineto, field, value)));
            }
        }
        for (String field : List.of("/traceEvents/0/name", "/traceEvents/2/cat", "/traceEvents/3/name", "/traceEvents/2/ph",
                "/traceEvents/3/args", "/traceEvents")) {
            for (String value : List.of("5", "null", "\"\"", "[]", "{}")) {
                cases.add(kineto("kineto " + field + " = " + value, withRaw(kineto, field, value)));
            }
        }
        ObjectNode bigAllocations = kineto.deepCopy();
        for (int i = 0; i < 150; i++) {
            ((ArrayNode) bigAllocations.get("traceEvents")).add(kineto.at("/traceEvents/3").deepCopy());
            ((ObjectNode) bigAllocations.at("/traceEvents/" + (6 + i) + "/args")).put("Bytes", 1L << 62).put("Addr", 9000 + i);
        }
        cases.add(kineto("kineto: 150 allocations of 2^62 bytes", bytes(bigAllocations)));
        ObjectNode longKernels = kineto.deepCopy();
        for (int i = 0; i < 20; i++) {
            ObjectNode k = (ObjectNode) kineto.at("/traceEvents/2").deepCopy();
            ((ArrayNode) longKernels.get("traceEvents")).add(k.put("ts", 2e12 * (i + 1)).put("dur", 1e12));
        }
        cases.add(kineto("kineto: 20 kernels of 10^12 us", bytes(longKernels)));
        byte[] kinetoBytes = bytes(kineto);
        for (int i = 1; i < 10; i += 2) {
            cases.add(kineto("kineto cut at byte " + kinetoBytes.length * i / 10, Arrays.copyOf(kinetoBytes,
                    kinetoBytes.length * i / 10)));
        }
        cases.add(kineto("kineto: NUL", replaceFirst(kinetoBytes, "traceEvents", new byte[] {0})));
        cases.add(new Case("kineto --ops-only: a trace with no kernels", "k.json", "{\"traceEvents\": []}"
                .getBytes(StandardCharsets.UTF_8), List.of("import", "--from", "kineto", "--ops-only", "@FILE@", "-o",
                dir.resolve("imported.json").toString())));

        String g10 = G10_KERNELS;
        for (String[] at : new String[][] {{"Execution Time: 2400", "Execution Time: "}, {"Size in byte: 100,", "Size in byte: "},
            {"Kernel ID: 1,", "Kernel ID: "}, {"tensor2 Is", "tensor"}}) {
            for (String value : List.of("0", "-1", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
                    "-9223372036854775808", "1125899906842625", "1.5", "1e3", "x", "", "1" + "0".repeat(1999))) {
                String suffix = at[0].substring(at[1].length());
                String with = at[1] + value + (suffix.endsWith(",") ? "," : suffix.endsWith(" Is") ? " Is" : "");
                cases.add(g10("g10 " + at[0] + " -> " + shortly(with), g10.replace(at[0], with)));
            }
        }
        StringBuilder manyTensors = new StringBuilder();
        for (int k = 0; k < 150; k++) {
            manyTensors.append(G10_KERNEL.formatted(k, "Huge", 1000, "", "tensor" + k + " Is weight (global)?: 1, Size in byte: "
                    + (1L << 62) + ", Range:0--1\n"));
        }
        cases.add(g10("g10: 150 weights of 2^62 bytes", manyTensors.toString()));
        StringBuilder longKernelsG10 = new StringBuilder();
        for (int k = 0; k < 150; k++) {
            longKernelsG10.append(G10_KERNEL.formatted(k, "Slow", Long.MAX_VALUE / 2, "",
                    "tensor" + k + " Is weight (global)?: 0, Size in byte: 64, Range:0--64\n"));
        }
        cases.add(g10("g10: 150 kernels of 2^62 cycles", longKernelsG10.toString()));
        byte[] g10Bytes = g10.getBytes(StandardCharsets.UTF_8);
        for (int i = 1; i < 10; i += 2) {
            cases.add(g10("g10 cut at byte " + g10Bytes.length * i / 10, Arrays.copyOf(g10Bytes, g10Bytes.length * i / 10)));
        }
        cases.add(g10("g10: invalid UTF-8", replaceFirst(g10Bytes, "Conv2d", new byte[] {(byte) 0xff, (byte) 0xfe})));
        cases.add(g10("g10: NUL", replaceFirst(g10Bytes, "Conv2d", new byte[] {0})));
        cases.add(g10("g10: a line of 4 MiB", g10.replace("Conv2d_Forward", "C".repeat(4 << 20))));
        byte[] realG10 = shared("g10/BERT_Base_bs256.kernels.config.gz");
        for (int cut : realG10.length == 0 ? new int[0] : new int[] {10, realG10.length / 2, realG10.length - 9}) {
            cases.add(new Case("real BERT kernels.config.gz cut at byte " + cut, "b.kernels.config.gz",
                    Arrays.copyOf(realG10, cut), importOf("g10")));
        }
        byte[] realInterval = shared("g10/BERT_Base_bs256.interval.config.gz");
        List<String> withInterval = new ArrayList<>(importOf("g10"));
        withInterval.add(withInterval.indexOf("@FILE@"), SharedTraces.path("g10/BERT_Base_bs256.kernels.config.gz").toString());
        for (int cut : realInterval.length == 0 ? new int[0] : new int[] {realInterval.length / 2, realInterval.length - 9}) {
            cases.add(new Case("real BERT interval.config.gz cut at byte " + cut, "b.interval.config.gz",
                    Arrays.copyOf(realInterval, cut), withInterval));
        }
    }

    private static final String KINETO = """
            {"traceEvents": [
             {"ph": "X", "cat": "cpu_op", "name": "aten::linear", "pid": 1, "tid": 1, "ts": 100, "dur": 50, "args": {}},
             {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 1, "tid": 1, "ts": 110, "dur": 5,
              "args": {"correlation": 7}},
             {"ph": "X", "cat": "kernel", "name": "sgemm", "pid": 0, "tid": 7, "ts": 200, "dur": 20,
              "args": {"correlation": 7, "External id": 7}},
             {"ph": "i", "name": "[memory]", "pid": 1, "tid": 1, "ts": 105,
              "args": {"Addr": 4096, "Bytes": 65536, "Total Allocated": 65536, "Device Type": 1, "Device Id": 0}},
             {"ph": "X", "cat": "cpu_op", "name": "aten::sum", "pid": 1, "tid": 1, "ts": 300, "dur": 10, "args": {}},
             {"ph": "i", "name": "[memory]", "pid": 1, "tid": 1, "ts": 305,
              "args": {"Addr": 4096, "Bytes": -65536, "Total Allocated": 0, "Device Type": 1, "Device Id": 0}}]}
            """;

    /** A G10 kernel: id, name, cycles, input lines, output lines. */
    private static final String G10_KERNEL = "Kernel ID: %d, Name: %s\nExecution Time: %d\nInput Tensors:\n%sOutput Tensors:\n%s"
            + "_".repeat(60) + "\n";

    private static final String G10_KERNELS = G10_KERNEL.formatted(0, "LoadData_A0", 1200, "",
            "tensor0 Is weight (global)?: 0, Size in byte: 100, Range:0--100\n")
            + G10_KERNEL.formatted(1, "Conv2d_Forward", 2400, "tensor1 Is weight (global)?: 1, Size in byte: 40, Range:100--140\n"
                    + "tensor0 Is weight (global)?: 0, Size in byte: 100, Range:0--100\n",
                    "tensor2 Is weight (global)?: 0, Size in byte: 200, Range:140--340\n")
            + G10_KERNEL.formatted(2, "Conv2d_Apply_Grad", 120, "tensor1 Is weight (global)?: 1, Size in byte: 40, Range:100--140\n"
                    + "tensor2 Is weight (global)?: 0, Size in byte: 200, Range:140--340\n",
                    "tensor1 Is weight (global)?: 1, Size in byte: 40, Range:100--140\n");

    private static Case et(String name, byte[] bytes) {
        return new Case(name, "et.json", bytes, importOf("pytorch-et"));
    }

    private static Case kineto(String name, byte[] bytes) {
        return new Case(name, "k.json", bytes, importOf("kineto"));
    }

    private static Case g10(String name, String text) {
        return g10(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static Case g10(String name, byte[] bytes) {
        return new Case(name, "m.kernels.config", bytes, importOf("g10"));
    }

    private static List<String> importOf(String format) {
        return List.of("import", "--from", format, "@FILE@", "-o", dir.resolve("imported.json").toString());
    }

    // ---- synth ----

    private static void synthCases(List<Case> cases) {
        String[][] flags = {
            {"--layers", "0", "-1", "2147483647", "100000", "55555", "2147483648"},
            {"--micro-batches", "100000", "2147483647", "1000000", "1"},
            {"--batch", "2147483647", "100000", "1000000000"},
            {"--seq", "2147483647", "1000000000", "0"},
            {"--hidden", "2147483647", "1048576", "1280"},
            {"--ffn", "2147483647", "100000000"},
            {"--vocab", "2147483647", "1000000000"},
            {"--kernels", "2147483647", "1000001", "-1", "100"},
            {"--iterations", "2147483647", "1439", "1440", "0"},
            {"--tflops", "1e-300", "1e300", "NaN", "Infinity", "-0"},
            {"--mem-bw", "1b", "16383p", "0", "1"},
        };
        for (String[] flag : flags) {
            for (int i = 1; i < flag.length; i++) {
                List<String> command = new ArrayList<>(List.of("synth", "--preset", "gpt2-large", flag[0], flag[i]));
                if (flag[0].equals("--hidden")) {
                    command.addAll(List.of("--heads", "1", "--kv-heads", "1"));
                }
                command.addAll(List.of("-o", dir.resolve("synth.json").toString()));
                cases.add(new Case("synth " + flag[0] + " " + flag[i], "unused", new byte[0], command, flag[0]));
            }
        }
        cases.add(new Case("synth at the ops limit", "unused", new byte[0], List.of("synth", "--preset", "gpt2-large",
                "--kernels", "1000000", "-o", dir.resolve("synth.json.gz").toString()), "--kernels"));
        cases.add(new Case("synth --layers and --micro-batches at the int limit", "unused", new byte[0], List.of("synth",
                "--preset", "llama3-70b", "--layers", "2147483647", "--micro-batches", "2147483647", "-o",
                dir.resolve("synth.json").toString()), "--layers"));
    }

    // ---- running and judging ----

    private static void check(Case c) throws IOException {
        Path caseDir = Files.createTempDirectory(dir, "case");
        Path file = caseDir.resolve(c.fileName());
        Files.write(file, c.bytes());
        String[] args = c.command().stream().map(a -> a.replace("@FILE@", file.toString())).toArray(String[]::new);
        CliRunner r = assertTimeoutPreemptively(TIMEOUT, () -> CliRunner.run(args), c.name() + ": no answer within " + TIMEOUT);
        String all = r.out() + r.err();
        assertFalse(all.contains("\tat ") || all.contains("Exception") || all.contains("Error:"),
                c.name() + ": a stack trace or exception name:\n" + shortly(all));
        assertFalse(all.contains("internal error"), c.name() + ": an internal error:\n" + shortly(all));
        assertSafeForATerminal(c, all);
        if (r.exitCode() == Main.EXIT_USAGE) {
            String[] lines = r.err().strip().split("\n");
            assertEquals(1, lines.length, c.name() + ": not one line:\n" + shortly(r.err()));
            String named = c.named().replace("@FILE@", file.toString());
            String flag = c.command().size() > 3 && c.command().get(0).equals("plan") ? c.command().get(2) : named;
            assertTrue(lines[0].contains(named) || lines[0].startsWith("hardware") || lines[0].startsWith(flag),
                    c.name() + ": the message does not name " + named + ": " + shortly(lines[0]));
            assertEquals("", r.out(), c.name() + ": output beside the error");
        } else if (r.exitCode() == 0) {
            assertSane(c, r.out());
            if (c.command().get(0).equals("import") || c.command().get(0).equals("synth")) {
                String written = args[Arrays.asList(args).indexOf("-o") + 1];
                CliRunner analyzed = CliRunner.run("analyze", written);
                assertEquals(0, analyzed.exitCode(), c.name() + ": the trace written does not read back: " + analyzed.err());
                assertSane(c, analyzed.out());
            }
        } else {
            fail(c.name() + ": exit code " + r.exitCode() + ":\n" + shortly(all));
        }
    }

    private static void assertSafeForATerminal(Case c, String all) {
        for (char ch : all.toCharArray()) {
            boolean control = (ch < 0x20 && ch != '\n' && ch != '\t') || (ch >= 0x7f && ch <= 0x9f)
                    || (ch >= 0x202a && ch <= 0x202e);
            assertFalse(control, c.name() + ": a raw control character " + (int) ch + " in the output");
        }
    }

    /** What a valid input printed: no negative amount, no percentage over 100, no NaN or infinity. */
    private static void assertSane(Case c, String out) {
        assertFalse(out.isBlank(), c.name() + ": exit 0 without output");
        assertFalse(NEGATIVE.matcher(out).find(), c.name() + ": a negative number:\n" + shortly(out));
        assertFalse(out.contains("NaN") || out.contains("Infinity") || out.contains("∞"),
                c.name() + ": NaN or infinity:\n" + shortly(out));
        Matcher m = PERCENT.matcher(out);
        while (m.find()) {
            assertTrue(Double.parseDouble(m.group(1)) <= 100.0, c.name() + ": " + m.group() + " in:\n" + shortly(out));
        }
    }

    // ---- building inputs ----

    /** {@code base} with the value at {@code pointer} replaced by the literal JSON {@code raw}. */
    private static byte[] withRaw(ObjectNode base, String pointer, String raw) {
        ObjectNode copy = base.deepCopy();
        JsonPointer at = JsonPointer.compile(pointer);
        JsonNode parent = copy.at(at.head());
        String last = at.last().getMatchingProperty();
        if (parent instanceof ObjectNode object) {
            object.set(last, TextNode.valueOf(RAW));
        } else if (parent instanceof ArrayNode array) {
            array.set(Integer.parseInt(last), TextNode.valueOf(RAW));
        } else {
            throw new IllegalArgumentException(pointer + " is not in " + base);
        }
        return new String(bytes(copy), StandardCharsets.UTF_8).replace("\"" + RAW + "\"", raw)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes of a real trace of the shared test data, or none where it is absent (those cases are left out). */
    private static byte[] shared(String relative) {
        Path file = SharedTraces.path(relative);
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** {@code bytes} with the first occurrence of {@code ascii} replaced by {@code with}. */
    private static byte[] replaceFirst(byte[] bytes, String ascii, byte[] with) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(ascii);
        assertTrue(at >= 0, ascii + " not found");
        return concat(concat(Arrays.copyOf(bytes, at), with), Arrays.copyOfRange(bytes, at + ascii.length(), bytes.length));
    }

    private static String shortly(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "... (" + text.length() + " chars)" : text;
    }
}
