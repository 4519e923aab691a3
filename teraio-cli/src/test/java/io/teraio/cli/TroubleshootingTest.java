package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error below is made for real with the {@code teraio} command, and its one line must
 * match a section heading of {@code docs/troubleshooting.md} (a heading's {@code `...`} spans
 * are the patterns: {@code ...} stands for any text, capitalised placeholders such as
 * {@code FILE}, {@code X} or {@code 'K'} for one value). A new user-facing error belongs in
 * this list and on that page.
 */
class TroubleshootingTest {
    private static final Path PAGE = Path.of("..", "docs", "troubleshooting.md");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern PLACEHOLDER = Pattern.compile("'[A-Z]'|\\b[A-Z][A-Z0-9]{0,6}\\b(?![a-z])");
    private static List<Pattern> headings;

    @TempDir
    static Path dir;

    @BeforeAll
    static void readPage() throws IOException {
        headings = new ArrayList<>();
        for (String line : Files.readAllLines(PAGE, StandardCharsets.UTF_8)) {
            if (!line.startsWith("#")) {
                continue;
            }
            Matcher m = CODE.matcher(line);
            while (m.find()) {
                headings.add(pattern(m.group(1)));
            }
        }
        Files.writeString(dir.resolve("empty.json"), "");
        Files.writeString(dir.resolve("text.json"), "this is not json\n");
        Files.writeString(dir.resolve("a-file"), "x");
        Files.writeString(dir.resolve("one.interval.config"), "x\n");
        Files.writeString(dir.resolve("plan.json"), "{}");
        Files.writeString(dir.resolve("object.json"), "{\"foo\": 1}");
        Files.writeString(dir.resolve("events.json"), "{\"traceEvents\": []}");
        Files.writeString(dir.resolve("x.kernels.config"), "hello\n");
        Files.writeString(dir.resolve("huge.kernels.config"), "Kernel ID: 0, Name: A\nExecution Time: 9\nInput Tensors:\n"
                + "Output Tensors:\ntensor0 Is weight (global)?: 0, Size in byte: 1125899906842625, Range:0--1\n");
        Files.writeString(dir.resolve("huge-memory.json"), "{\"traceEvents\": [{\"ph\": \"i\", \"name\": \"[memory]\","
                + " \"ts\": 1, \"args\": {\"Bytes\": -9223372036854775808, \"Device Type\": 1}}]}");
        Files.createDirectories(dir.resolve("io"));
        Files.writeString(dir.resolve("slow-ssd.json"), """
                {"format": "teraio-hardware", "version": 1, "devices": [{"id": 0, "memoryBytes": 1048576,
                 "pcieBytesPerSecond": 16000000000}], "ssds": [{"id": 0, "readBytesPerSecond": 3000000000,
                 "writeBytesPerSecond": 3000000000, "latencyNs": 9223372036854775807}], "hostMemoryBytes": 0}
                """);
        Files.writeString(dir.resolve("no-ssd.json"), """
                {"format": "teraio-hardware", "version": 1, "devices": [{"id": 0, "memoryBytes": 1048576,
                 "pcieBytesPerSecond": 16000000000}], "ssds": [], "hostMemoryBytes": 0}
                """);
        io.teraio.core.trace.TraceWriter.write(io.teraio.fixtures.SyntheticWorkload.gpt2Like().trace(), dir.resolve("t.json"));
        // A PyTorch execution trace of a CPU run: one op on CPU tensors.
        Files.writeString(dir.resolve("cpu_et.json"), """
                {"schema": "1.1.0-chakra.0.0.4", "nodes": [
                  {"name": "aten::relu", "id": 2, "ctrl_deps": 1,
                   "inputs": {"values": [[1,100,0,16,4,"cpu"]], "shapes": [[16]], "types": ["Tensor(float)"]},
                   "outputs": {"values": [[2,101,0,16,4,"cpu"]], "shapes": [[16]], "types": ["Tensor(float)"]}}]}
                """);
        // A matrix product on the GPU, whose estimate at 1e-300 TFLOP/s lasts past the limit.
        Files.writeString(dir.resolve("mm_et.json"), """
                {"schema": "1.1.0-chakra.0.0.4", "nodes": [
                  {"name": "aten::mm", "id": 2, "ctrl_deps": 1,
                   "inputs": {"values": [[1,100,0,16,4,"cuda:0"],[2,101,0,16,4,"cuda:0"]], "shapes": [[4,4],[4,4]],
                              "types": ["Tensor(float)","Tensor(float)"]},
                   "outputs": {"values": [[3,102,0,16,4,"cuda:0"]], "shapes": [[4,4]], "types": ["Tensor(float)"]}}]}
                """);
        // Two tables resident across the iteration boundary, 2 MiB on a 1.5 MiB device with no
        // SSD and 512 KiB of host memory: nowhere to put either.
        Files.writeString(dir.resolve("tables.json"), """
                {"format": "teraio-trace", "version": 1, "source": {"tool": "test"},
                 "iterations": [{"index": 0, "firstOp": 0, "opCount": 4}],
                 "tensors": [
                   {"id": 0, "key": "emb0", "bytes": 1048576, "kind": "parameter", "persistent": true, "offloadable": true, "device": 0},
                   {"id": 1, "key": "emb1", "bytes": 1048576, "kind": "parameter", "persistent": true, "offloadable": true, "device": 0}],
                 "ops": [
                   {"index": 0, "name": "lookup0", "durationNs": 1000000, "uses": [0], "allocs": [], "frees": []},
                   {"index": 1, "name": "lookup1", "durationNs": 1000000, "uses": [1], "allocs": [], "frees": []},
                   {"index": 2, "name": "mlp", "durationNs": 4000000, "uses": [], "allocs": [], "frees": []},
                   {"index": 3, "name": "update", "durationNs": 1000000, "uses": [0, 1], "allocs": [], "frees": []}]}
                """);
        Files.writeString(dir.resolve("no-ssd.json"), """
                {"format": "teraio-hardware", "version": 1,
                 "devices": [{"id": 0, "memoryBytes": 1572864, "pcieBytesPerSecond": 10000000000}],
                 "ssds": [], "hostMemoryBytes": 524288}
                """);        // A plan for two devices (version 2), made for other traces.
        io.teraio.core.hardware.HardwareProfile two = new io.teraio.core.hardware.HardwareProfile(List.of(
                new io.teraio.core.hardware.Device(0, 1L << 30, 16_000_000_000L),
                new io.teraio.core.hardware.Device(1, 1L << 30, 16_000_000_000L)), List.of(), 0);
        io.teraio.core.plan.Plan rank = new io.teraio.core.plan.Plan("00", 3, two, "teraio", List.of(), null);
        new io.teraio.core.plan.JobPlan(two, "teraio", List.of(rank, rank), null).write(dir.resolve("job.json"));
    }

    /** A heading's code span as a regular expression matching the start of a message. */
    static Pattern pattern(String heading) {
        StringBuilder regex = new StringBuilder("^");
        String[] parts = heading.split("\\.\\.\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            Matcher m = PLACEHOLDER.matcher(parts[i]);
            int at = 0;
            while (m.find()) {
                regex.append(Pattern.quote(parts[i].substring(at, m.start())));
                regex.append(m.group().startsWith("'") ? "'.*?'" : ".+?");
                at = m.end();
            }
            regex.append(Pattern.quote(parts[i].substring(at)));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    static List<String> commands() {
        String d = "@DIR@";
        List<String> commands = new ArrayList<>(List.of(
                "analyze " + d + "/missing.json",
                "analyze " + d,
                "analyze " + d + "/empty.json",
                "analyze " + d + "/text.json",
                "analyze --bogus x",
                "plan " + d + "/t.json --policy lru -o " + d + "/p.json",
                "plan " + d + "/t.json --hardware nosuch -o " + d + "/p.json",
                "plan " + d + "/t.json --ssd 0x1g -o " + d + "/p.json",
                "plan " + d + "/t.json --gpu-mem 0 -o " + d + "/p.json",
                "plan " + d + "/t.json --gpu-mem 4q -o " + d + "/p.json",
                "plan " + d + "/t.json --ssd-latency 3q -o " + d + "/p.json",
                "plan " + d + "/t.json --gpu-mem 1k -o " + d + "/p.json",
                "plan " + d + "/t.json --gpu-mem 40 -o " + d + "/p.json",
                "plan " + d + "/t.json --ssd 4*6.5g -o " + d + "/p.json",
                "plan " + d + "/t.json --ssd-latency 2s -o " + d + "/p.json",
                "plan " + d + "/t.json --hardware " + d + "/slow-ssd.json -o " + d + "/p.json",
                "plan " + d + "/t.json --gpu-mem 1m --host-mem 0 --hardware " + d + "/no-ssd.json -o " + d + "/p.json",
                "anlyze " + d + "/t.json",
                "analyze --jsn " + d + "/t.json",
                "bench-io --dir " + d + "/no-such-dir --size 8m",
                "replay " + d + "/t.json " + d + "/plan.json --dir " + d + "/io --device-mem 1m --time-scale 1e300",
                "replay " + d + "/t.json " + d + "/plan.json --dir " + d + "/io --device-mem 40",
                "import --from foo " + d + "/x -o " + d + "/y.json",
                "import --from kineto " + d + "/a-file " + d + "/a-file -o " + d + "/y.json",
                "import --from g10 " + d + "/one.interval.config -o " + d + "/y.json",
                "import --from g10 " + d + "/a-file -o " + d + "/y.json --kineto " + d + "/a-file",
                "import --from kineto " + d + "/object.json -o " + d + "/y.json",
                "import --from kineto " + d + "/events.json -o " + d + "/y.json",
                "import --from kineto " + d + "/events.json --ops-only -o " + d + "/y.json",
                "import --from pytorch-et " + d + "/object.json -o " + d + "/y.json",
                "import --from g10 " + d + "/x.kernels.config -o " + d + "/y.json",
                "import --from g10 " + d + "/huge.kernels.config -o " + d + "/y.json",
                "import --from kineto " + d + "/huge-memory.json -o " + d + "/y.json",
                "import --from pytorch-et " + d + "/mm_et.json --tflops 1e-300 -o " + d + "/y.json",
                "import --from g10 " + d + "/x.kernels.config " + d + "/x.kernels.config -o " + d + "/y.json",
                "import --from g10 " + d + "/a-file -o " + d + "/y.json",
                "import --from pytorch-et " + d + "/cpu_et.json -o " + d + "/y.json",
                "import --from pytorch-et " + d + "/cpu_et.json --device gpu -o " + d + "/y.json",
                "import --from g10 " + d + "/x.kernels.config --device cpu -o " + d + "/y.json",
                "plan " + d + "/tables.json --hardware " + d + "/no-ssd.json -o " + d + "/p.json",
                "synth --preset gpt2-large -o " + d + "/no/such/dir/s.json",
                "synth --preset foo -o " + d + "/s.json",
                "synth --preset llama3-8b --stages 2 --stage 2 -o " + d + "/s.json",
                "synth --preset llama3-8b --layers 2 --stages 3 -o " + d + "/s.json",
                "synth --preset gpt2-large --tflops 0 -o " + d + "/s.json",
                "synth --preset gpt2-large --mem-bw 20 -o " + d + "/s.json",
                "synth --preset gpt2-large --micro-batches 100000 -o " + d + "/s.json",
                "synth --preset gpt2-large --batch 2147483647 -o " + d + "/s.json",
                "synth --preset gpt2-large --tflops 1e-300 -o " + d + "/s.json",
                "bench-io --dir " + d + "/io --mode sideways",
                "bench-io --dir " + d + "/io --size 0",
                "bench-io --dir " + d + "/io --qd 0",
                "bench-io --dir " + d + "/a-file --size 4m",
                "bench-io --dir " + d + "/io --config nonsense",
                "bench-io --dir " + d + "/io --config no.such.key=1",
                "probe --dir " + d + "/io --size 1m -o " + d + "/hw.json",
                "replay " + d + "/t.json " + d + "/plan.json --dir " + d + "/io --device-mem 0",
                "replay " + d + "/t.json " + d + "/plan.json --dir " + d + "/io --device-mem 1m --iterations 0",
                "report " + d + "/t.json " + d + "/plan.json --gpu-mem 1g -o " + d + "/r.html",
                "report " + d + "/missing.json -o " + d + "/r.html",
                "simulate " + d + "/t.json " + d + "/plan.json",
                "demo --model gpt --out " + d + "/demo",
                "demo --steps 3 --out " + d + "/demo",
                "demo --workload nope --out " + d + "/demo",
                "demo --layers 4 --out " + d + "/demo",
                "demo --out " + d + "/a-file/demo",
                "report " + d + "/t.json -o " + d + "/a-file/r.html",
                "report " + d + "/t.json -o " + d + "/no-such-dir/r.html",
                "demo --workload custom --compute gpu --out " + d + "/demo",
                "demo --compute cpu --out " + d + "/demo",
                "plan " + d + "/t.json " + d + "/t.json -o " + d + "/p.json",
                "plan " + d + "/t.json --devices 2 -o " + d + "/p.json",
                "compare " + d + "/t.json --devices 2",
                "plan " + d + "/t.json " + d + "/t.json --devices 0 -o " + d + "/p.json",
                "plan " + d + "/t.json --ssd-per-device -o " + d + "/p.json",
                "simulate " + d + "/t.json " + d + "/job.json",
                "simulate " + d + "/t.json " + d + "/t.json " + d + "/job.json",
                "report " + d + "/t.json " + d + "/job.json -o " + d + "/r.html",
                "report " + d + "/t.json --devices 2 --gpu-mem 1g -o " + d + "/r.html",
                "replay " + d + "/t.json " + d + "/job.json --dir " + d + "/io --device-mem 1m",
                "synth --preset llama3-8b --layers 2 --all-stages -o " + d + "/s.json",
                "synth --preset llama3-8b --stages 2 --stage 1 --all-stages -o " + d + "/s.json"));
        if (!io.teraio.examples.custom.ComputeBackend.CUDA.availability(0).available()) {
            // without a GPU; with one, this trains
            commands.add("demo --workload custom --compute cuda --out " + d + "/demo");
        }
        return commands;
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyErrorHasASection(String command) {
        String[] args = command.replace("@DIR@", dir.toString()).split(" ");
        CliRunner r = CliRunner.run(args);
        assertEquals(Main.EXIT_USAGE, r.exitCode(), "teraio " + command + " printed " + r.err() + r.out());
        String line = r.err().lines().findFirst().orElse("");
        assertTrue(headings.stream().anyMatch(h -> h.matcher(line).lookingAt()),
                "no heading of docs/troubleshooting.md matches the message of teraio " + command + ":\n" + line);
    }
}
