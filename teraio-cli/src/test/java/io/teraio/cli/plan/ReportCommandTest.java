package io.teraio.cli.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.cli.SharedTraces;
import io.teraio.cli.report.ReportData;
import io.teraio.core.plan.Plan;
import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.core.trace.TraceSource;
import io.teraio.core.trace.TraceWriter;
import io.teraio.fixtures.SyntheticWorkload;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.Policies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code teraio report} on a real G10 trace and on generated ones: what the page's data shows. */
class ReportCommandTest {
    @TempDir
    Path dir;

    @Test
    void aPlanOfTwoDevicesGetsOnePagePerDeviceWithItsOwnCapacityAndReplay() throws IOException {
        Trace t0 = new SyntheticWorkload("r0", 4, 2, 64L << 20, 256L << 20, 20_000_000).trace();
        Trace t1 = new SyntheticWorkload("r1", 4, 2, 64L << 20, 192L << 20, 25_000_000).trace();
        Path r0 = dir.resolve("r0.json.gz");
        Path r1 = dir.resolve("r1.json.gz");
        TraceWriter.write(t0, r0);
        TraceWriter.write(t1, r1);
        String mem = (Workload.of(t0).peakLiveBytes() / 2) + "b";
        Path plan = dir.resolve("job.json");
        CliRunner planned = CliRunner.run("plan", r0.toString(), r1.toString(), "--devices", "2", "--gpu-mem", mem,
                "--ssd", "4g", "--ssd-per-device", "-o", plan.toString());
        assertEquals(0, planned.exitCode(), planned.err());
        Path html = dir.resolve("job.html");
        CliRunner r = CliRunner.run("report", r0.toString(), r1.toString(), plan.toString(), "-o", html.toString());
        assertEquals(0, r.exitCode(), r.err());
        io.teraio.core.plan.JobPlan job = io.teraio.core.plan.JobPlan.read(plan);
        for (int d = 0; d < 2; d++) {
            Path page = dir.resolve("job-device" + d + ".html");
            assertTrue(r.out().contains("report: device " + d + ": " + (d == 0 ? r0 : r1) + " -> " + page), r.out());
            JsonNode data = ReportPages.data(page);
            assertEquals(Long.parseLong(mem.replace("b", "")), data.get("capacityBytes").asLong());
            assertTrue(data.get("planned").asBoolean());
            String text = Files.readString(page, StandardCharsets.UTF_8);
            assertTrue(text.contains(String.format(java.util.Locale.ROOT, "%.1f%% of ideal",
                    job.devices().get(d).predicted().percentOfIdeal())), "device " + d + "'s own prediction");
        }
        assertTrue(r.out().contains("report: 2 devices: iteration "), r.out());
        CliRunner one = CliRunner.run("report", r0.toString(), plan.toString(), "-o", html.toString());
        assertEquals(Main.EXIT_USAGE, one.exitCode());
        assertEquals("report: " + plan + " is a plan for 2 devices, but 1 trace was given (one per device, in device"
                + " order)\n", one.err());
    }

    @Test
    void reportOfARealTracePlannedHereShowsResidentMemoryUnderTheCapacity() throws IOException {
        Path trace = dir.resolve("bert.json.gz");
        CliRunner imported = CliRunner.run("import", "--from", "g10",
                SharedTraces.file("g10/BERT_Base_bs256.kernels.config.gz").toString(), "-o", trace.toString());
        assertEquals(0, imported.exitCode(), imported.err());
        Path html = dir.resolve("bert.html");
        CliRunner r = CliRunner.run("report", trace.toString(), "--gpu-mem", "8g", "-o", html.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("report: " + trace + " -> " + html), r.out());

        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertSelfContained(page);
        JsonNode data = ReportPages.data(html);
        Workload w = Workload.of(TraceReader.read(trace));
        assertTrue(data.get("planned").asBoolean());
        assertEquals(8L << 30, data.get("capacityBytes").asLong());
        // The live curve peaks where the trace does; what the plan keeps resident never passes the capacity.
        assertEquals(w.peakLiveBytes(), max(data.get("memory").get("live")));
        double resident = max(data.get("resident").get("v"));
        assertTrue(resident > 0 && resident <= 8L << 30, "resident peak " + resident);
        assertTrue(max(data.get("bandwidth").get("pcieToHost").get("v")) > 0, "nothing was moved");
        // The largest tensors, largest first, and the plan moved some of them.
        JsonNode tensors = data.get("tensors");
        assertEquals(ReportData.TENSORS, tensors.size());
        int moved = 0;
        for (int i = 0; i < tensors.size(); i++) {
            if (i > 0) {
                assertTrue(tensors.get(i).get("bytes").asLong() <= tensors.get(i - 1).get("bytes").asLong());
            }
            moved += tensors.get(i).get("moves").size() > 0 ? 1 : 0;
        }
        assertTrue(moved > 0, "no tensor of the 32 largest moves");
        assertTrue(data.get("stalls").isArray());
        assertEquals(facts(data, "plan").startsWith("made here with policy teraio"), true, facts(data, "plan"));
        assertTrue(facts(data, "bound").contains("of ideal"), facts(data, "bound"));
    }

    @Test
    void withoutPlanOrHardwareNothingMoves() throws IOException {
        Trace trace = SyntheticWorkload.gpt2Like().trace();
        Path traceFile = dir.resolve("gpt2.json.gz");
        TraceWriter.write(trace, traceFile);
        Path html = dir.resolve("gpt2.html");
        CliRunner r = CliRunner.run("report", traceFile.toString(), "-o", html.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode data = ReportPages.data(html);
        Workload w = Workload.of(trace);
        assertFalse(data.get("planned").asBoolean());
        assertTrue(data.get("capacityBytes").isNull());
        assertFalse(data.has("bandwidth"));
        assertEquals(w.idealNs(), data.get("endNs").asLong());
        assertEquals(w.peakLiveBytes(), max(data.get("memory").get("live")));
        assertTrue(max(data.get("memory").get("active")) < w.peakLiveBytes());
        assertTrue(data.get("memory").get("t").size() <= ReportData.POINTS);
        for (JsonNode t : data.get("tensors")) {
            assertEquals(0, t.get("moves").size());
        }
    }

    @Test
    void aPlanFileIsShownOnTheHardwareItWasMadeFor() throws IOException {
        Path traceFile = smallTrace();
        long half = Workload.of(TraceReader.read(traceFile)).peakLiveBytes() / 2;
        Path planFile = dir.resolve("plan.json");
        CliRunner planned = CliRunner.run("plan", traceFile.toString(), "--gpu-mem", half + "b", "--ssd", "2x4g",
                "-o", planFile.toString());
        assertEquals(0, planned.exitCode(), planned.err());
        Plan plan = Plan.read(planFile);

        Path html = dir.resolve("plan.html");
        CliRunner r = CliRunner.run("report", traceFile.toString(), planFile.toString(), "--compare", "-o",
                html.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode data = ReportPages.data(html);
        assertEquals(half, data.get("capacityBytes").asLong());
        assertEquals(plan.predicted().iterationNs(), data.get("endNs").asLong());
        assertTrue(facts(data, "plan").startsWith(planFile + " (policy teraio"), facts(data, "plan"));
        JsonNode compare = data.get("compare");
        assertEquals(PolicyOutcome.COLUMNS.size(), compare.get("columns").size());
        List<String> policies = new ArrayList<>();
        compare.get("rows").forEach(row -> policies.add(row.get(0).asText()));
        assertEquals(Policies.names(), policies);

        CliRunner both = CliRunner.run("report", traceFile.toString(), planFile.toString(), "--gpu-mem", "1g", "-o",
                html.toString());
        assertEquals(Main.EXIT_USAGE, both.exitCode());
        assertTrue(both.err().startsWith("report: --hardware and the hardware flags apply only without PLAN"),
                both.err());
    }

    @Test
    void aTensorKeyWithMarkupStaysText() throws IOException {
        String key = "</script><script>document.title='owned'</script>";
        Recorder rec = new Recorder(new TraceSource("test", "custom", "<b>model</b>", "cpu"));
        int w = rec.registerTensor(key, 4096, TensorKind.PARAMETER, true, true);
        int act = rec.registerTensor("op0.out0", 8192, TensorKind.ACTIVATION, false, true);
        rec.recordOp("linear", 1_000, new int[] {w, act}, new int[] {act}, new int[0]);
        rec.recordOp("relu", 500, new int[] {act}, new int[0], new int[] {act});
        rec.endIteration();
        Path traceFile = dir.resolve("markup.json");
        rec.write(traceFile);
        Path html = dir.resolve("markup.html");
        CliRunner r = CliRunner.run("report", traceFile.toString(), "-o", html.toString());
        assertEquals(0, r.exitCode(), r.err());
        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertFalse(page.contains("<script>document.title"), "the key closed the data block");
        assertFalse(page.contains("<b>model</b>"));
        List<String> keys = new ArrayList<>();
        ReportPages.data(html).get("tensors").forEach(t -> keys.add(t.get("key").asText()));
        assertTrue(keys.contains(key), keys.toString());
    }

    @Test
    void unwritableOutputIsOneLine() throws IOException {
        Path traceFile = smallTrace();
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        CliRunner r = CliRunner.run("report", traceFile.toString(), "-o", blocker.resolve("r.html").toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith("report: cannot write " + blocker.resolve("r.html")), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void theReportsDirectoryMustExistUnlessCreateIsGiven() throws IOException {
        Path traceFile = smallTrace();
        Path html = dir.resolve("new").resolve("r.html");
        CliRunner r = CliRunner.run("report", traceFile.toString(), "-o", html.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals(html + ": cannot write: directory " + html.getParent().toAbsolutePath() + " does not exist; create it,"
                + " or give --create", r.err().strip());
        assertTrue(Files.notExists(html.getParent()));
        r = CliRunner.run("report", traceFile.toString(), "-o", html.toString(), "--create");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.isRegularFile(html));
    }

    private Path smallTrace() {
        Trace trace = new SyntheticWorkload("t", 4, 2, 64L << 20, 256L << 20, 20_000_000).trace();
        Path traceFile = dir.resolve("t.json.gz");
        TraceWriter.write(trace, traceFile);
        return traceFile;
    }

    /** No stylesheet, script, image or font comes from elsewhere. */
    static void assertSelfContained(String page) {
        assertFalse(page.contains("<link"), "a <link> element");
        assertFalse(page.matches("(?s).*\\ssrc\\s*=.*"), "a src attribute");
        assertFalse(page.contains("https://"), "an https URL");
        assertFalse(page.contains("url("), "a CSS url()");
        assertFalse(page.contains("import "), "a module import");
    }

    private static String facts(JsonNode data, String label) {
        for (JsonNode f : data.get("facts")) {
            if (f.get(0).asText().equals(label)) {
                return f.get(1).asText();
            }
        }
        throw new AssertionError("no fact " + label + " in " + data.get("facts"));
    }

    private static double max(JsonNode values) {
        assertNotNull(values);
        double max = 0;
        for (JsonNode v : values) {
            max = Math.max(max, v.asDouble());
        }
        return max;
    }
}
