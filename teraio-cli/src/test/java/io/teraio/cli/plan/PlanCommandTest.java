package io.teraio.cli.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.core.Units;
import io.teraio.core.plan.Plan;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceWriter;
import io.teraio.fixtures.SyntheticWorkload;
import io.teraio.planner.policy.Policies;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code teraio plan}, {@code simulate} and {@code compare} on a small generated training trace. */
class PlanCommandTest {
    @TempDir
    Path dir;
    Path traceFile;
    /** Half of the trace's peak live bytes. */
    String halfPeak;

    @BeforeEach
    void writeTrace() {
        Trace trace = new SyntheticWorkload("t", 4, 2, 64L << 20, 256L << 20, 20_000_000).trace();
        traceFile = dir.resolve("t.json.gz");
        TraceWriter.write(trace, traceFile);
        long peak = io.teraio.planner.Workload.of(trace).peakLiveBytes();
        halfPeak = (peak / 2) + "b";
    }

    @Test
    void planWritesAValidPlanThatSimulateReproduces() {
        Path planFile = dir.resolve("plan.json");
        CliRunner r = CliRunner.run("plan", traceFile.toString(), "--gpu-mem", halfPeak, "--ssd", "2x4g",
                "--pcie", "16g", "-o", planFile.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("plan teraio: "), r.out());
        assertTrue(r.out().contains("% of ideal"), r.out());
        assertTrue(r.out().contains("  bound  "), r.out());
        Plan plan = Plan.read(planFile);
        assertFalse(plan.entries().isEmpty());
        assertTrue(plan.predicted().peakDeviceBytes() <= Units.parseBytes("half", halfPeak));

        CliRunner sim = CliRunner.run("simulate", traceFile.toString(), planFile.toString());
        assertEquals(0, sim.exitCode(), sim.err());
        assertTrue(sim.out().contains(String.format(java.util.Locale.ROOT, "%.1f%% of ideal",
                plan.predicted().percentOfIdeal())), sim.out());
    }

    @Test
    void badPolicyAndInfeasibleMemoryAreUsageErrors() {
        Path planFile = dir.resolve("plan.json");
        CliRunner r = CliRunner.run("plan", traceFile.toString(), "--policy", "lru", "-o", planFile.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith("unknown policy 'lru'"), r.err());
        assertTrue(r.err().contains("teraio-paper"), r.err());

        r = CliRunner.run("plan", traceFile.toString(), "--gpu-mem", "1m", "-o", planFile.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("needs") && r.err().contains("op "), r.err());
        assertTrue(Files.notExists(planFile));

        r = CliRunner.run("plan", traceFile.toString(), "--policy", "none", "--gpu-mem", halfPeak, "-o",
                planFile.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("out of memory at"), r.err());
        assertTrue(Files.notExists(planFile));
    }

    @Test
    void compareGivesOneRowPerPolicy() throws Exception {
        CliRunner r = CliRunner.run("compare", traceFile.toString(), "--gpu-mem", halfPeak, "--ssd", "2x4g",
                "--pcie", "16g", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertEquals(Policies.names().size(), rows.size());
        JsonNode teraio = null;
        JsonNode paper = null;
        for (JsonNode row : rows) {
            for (String key : new String[] {"policy", "iterationNs", "idealNs", "percentOfIdeal", "stallNs",
                    "peakDeviceBytes", "bytesToSsd", "bytesFromSsd", "planMillis", "boundPercentOfIdeal"}) {
                assertTrue(row.has(key), key + " in " + row);
            }
            if (!row.get("percentOfIdeal").isNull()) {
                // no plan beats the transfer bound
                assertTrue(row.get("percentOfIdeal").asDouble() <= row.get("boundPercentOfIdeal").asDouble() + 0.01,
                        row.toString());
            }
            if (row.get("policy").asText().equals("teraio")) {
                teraio = row;
            } else if (row.get("policy").asText().equals("teraio-paper")) {
                paper = row;
            }
        }
        assertTrue(teraio != null && !teraio.get("iterationNs").isNull(), r.out());
        if (!paper.get("iterationNs").isNull()) {
            assertTrue(teraio.get("iterationNs").asLong() <= paper.get("iterationNs").asLong(), r.out());
        }
        CliRunner table = CliRunner.run("compare", traceFile.toString(), "--gpu-mem", halfPeak);
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("teraio-paper"), table.out());
        assertTrue(table.out().contains("\nbound: "), table.out());
    }
}
