package io.teraio.cli.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceWriter;
import io.teraio.fixtures.SyntheticWorkload;
import io.teraio.planner.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plan}, {@code simulate} and {@code compare} with one trace per device (a job of two ranks). */
class JobCommandsTest {
    @TempDir
    Path dir;
    Path rank0;
    Path rank1;
    /** Half of the larger rank's peak live bytes. */
    String halfPeak;

    @BeforeEach
    void writeTraces() {
        Trace t0 = new SyntheticWorkload("r0", 4, 2, 64L << 20, 256L << 20, 20_000_000).trace();
        Trace t1 = new SyntheticWorkload("r1", 4, 2, 64L << 20, 192L << 20, 25_000_000).trace();
        rank0 = dir.resolve("rank0.json.gz");
        rank1 = dir.resolve("rank1.json.gz");
        TraceWriter.write(t0, rank0);
        TraceWriter.write(t1, rank1);
        long peak = Math.max(Workload.of(t0).peakLiveBytes(), Workload.of(t1).peakLiveBytes());
        halfPeak = (peak / 2) + "b";
    }

    private String[] args(String command, Path plan, String... more) {
        List<String> a = new ArrayList<>(List.of(command, rank0.toString(), rank1.toString()));
        if (plan != null) {
            a.add(plan.toString());
        }
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void planWritesOnePlanForTwoDevicesThatSimulateReproduces() throws Exception {
        Path planFile = dir.resolve("job.json");
        CliRunner r = CliRunner.run(args("plan", null, "--devices", "2", "--gpu-mem", halfPeak, "--ssd", "4g",
                "--ssd-per-device", "--pcie", "16g", "--host-mem", "0", "-o", planFile.toString()));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("plan teraio: 2 traces -> "), r.out());
        assertTrue(r.out().contains("  device 1: " + rank1), r.out());
        assertTrue(r.out().contains("  round 0            nothing split: "), r.out());
        JobPlan job = JobPlan.read(planFile);
        assertEquals(2, job.devices().size());
        assertEquals(2, new ObjectMapper().readTree(planFile.toFile()).get("version").asInt());
        for (int d = 0; d < 2; d++) {
            int device = d;
            assertTrue(!job.devices().get(d).entries().isEmpty());
            assertTrue(job.devices().get(d).entries().stream()
                    .allMatch(e -> e.target() == PlanTarget.SSD && e.ssd() == device), "device " + d + "'s own SSD");
        }
        String percent = String.format(Locale.ROOT, "%.1f%% of ideal", job.predicted().percentOfIdeal());
        assertTrue(r.out().contains("  job  ") && r.out().contains(percent), r.out());

        CliRunner sim = CliRunner.run(args("simulate", planFile));
        assertEquals(0, sim.exitCode(), sim.err());
        assertTrue(sim.out().startsWith("simulate 2 devices with "), sim.out());
        assertTrue(sim.out().contains(percent), sim.out());

        CliRunner json = CliRunner.run(args("simulate", planFile, "--json"));
        assertEquals(0, json.exitCode(), json.err());
        JsonNode o = new ObjectMapper().readTree(json.out());
        assertEquals(job.predicted().iterationNs(), o.get("iterationNs").asLong());
        assertEquals(2, o.get("devices").size());
        assertEquals(job.devices().get(1).predicted().iterationNs(),
                o.get("devices").get(1).get("prediction").get("iterationNs").asLong());
    }

    @Test
    void traceCountsThatDoNotMatchTheDevicesAreOneLineUsageErrors() {
        Path planFile = dir.resolve("job.json");
        CliRunner r = CliRunner.run(args("plan", null, "--gpu-mem", halfPeak, "-o", planFile.toString()));
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("plan: 2 traces for a hardware profile with 1 device; give one trace per device, in"
                + " device order (the devices come from --hardware FILE or --devices N)\n", r.err());
        r = CliRunner.run("plan", rank0.toString(), "--devices", "2", "--gpu-mem", halfPeak, "-o", planFile.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith("plan: 1 trace for a hardware profile with 2 devices;"), r.err());
        assertTrue(Files.notExists(planFile));

        r = CliRunner.run(args("plan", null, "--devices", "2", "--gpu-mem", halfPeak, "--ssd", "4g", "-o",
                planFile.toString()));
        assertEquals(0, r.exitCode(), r.err());
        r = CliRunner.run("simulate", rank0.toString(), planFile.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("simulate: " + planFile + " is a plan for 2 devices, but 1 trace was given (one per"
                + " device, in device order)\n", r.err());
        r = CliRunner.run("simulate", rank1.toString(), rank0.toString(), planFile.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith(planFile + ": device 0: "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void compareShowsTheJobItsIndependentPlansAndEachDevice() throws Exception {
        CliRunner r = CliRunner.run(args("compare", null, "--devices", "2", "--gpu-mem", halfPeak, "--ssd", "4g",
                "--pcie", "16g", "--host-mem", "0", "--policies", "teraio,none", "--json"));
        assertEquals(0, r.exitCode(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out());
        List<String> names = new ArrayList<>();
        for (JsonNode row : rows) {
            names.add(row.get("policy").asText());
        }
        assertTrue(names.containsAll(List.of("teraio", "teraio, device 0", "teraio, device 1", "none")), names.toString());
        JsonNode job = rows.get(0);
        JsonNode slowest = rows.get(names.indexOf("teraio, device 0")).get("iterationNs").asLong()
                >= rows.get(names.indexOf("teraio, device 1")).get("iterationNs").asLong()
                ? rows.get(names.indexOf("teraio, device 0")) : rows.get(names.indexOf("teraio, device 1"));
        assertEquals(slowest.get("iterationNs").asLong(), job.get("iterationNs").asLong());
        if (names.contains("teraio, independent")) {
            JsonNode independent = rows.get(names.indexOf("teraio, independent"));
            assertTrue(independent.get("iterationNs").isNull()
                    || independent.get("iterationNs").asLong() >= job.get("iterationNs").asLong(), r.out());
        }
        CliRunner table = CliRunner.run(args("compare", null, "--devices", "2", "--gpu-mem", halfPeak, "--ssd", "4g",
                "--policies", "teraio"));
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().startsWith("device 0: " + rank0), table.out());
        assertTrue(table.out().contains("\nteraio, device 1 "), table.out());
    }
}
