package io.teraio.cli.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.core.hardware.HardwarePresets;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceWriter;
import io.teraio.fixtures.SyntheticWorkload;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyPlanOnAmpleMemoryRunsAtTheIdealTime() throws Exception {
        Trace trace = new SyntheticWorkload("t", 2, 2, 1 << 20, 1 << 20, 1_000_000).trace();
        Path traceFile = dir.resolve("t.json.gz");
        TraceWriter.write(trace, traceFile);
        Path planFile = dir.resolve("plan.json");
        int opsPerIteration = trace.iterations().get(1).opCount();
        new Plan(TraceDigest.sha256(trace), opsPerIteration, HardwarePresets.named("g10"), "none", List.of(), null)
                .write(planFile);

        CliRunner r = CliRunner.run("simulate", traceFile.toString(), planFile.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("100.0% of ideal; stall 0 ns"), r.out());

        r = CliRunner.run("simulate", traceFile.toString(), planFile.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        long ideal = trace.ops().subList(trace.iterations().get(1).firstOp(), trace.ops().size()).stream()
                .mapToLong(io.teraio.core.trace.Op::durationNs).sum();
        assertEquals(ideal, json.get("prediction").get("iterationNs").asLong());
        assertEquals(ideal, json.get("prediction").get("idealNs").asLong());
        assertEquals(100.0, json.get("percentOfIdeal").asDouble());
    }

    @Test
    void aPlanForAnotherTraceIsRefused() {
        Trace trace = new SyntheticWorkload("t", 2, 1, 1 << 20, 1 << 20, 1_000_000).trace();
        Trace other = new SyntheticWorkload("t", 2, 1, 1 << 20, 1 << 20, 2_000_000).trace();
        Path traceFile = dir.resolve("t.json");
        TraceWriter.write(trace, traceFile);
        Path planFile = dir.resolve("plan.json");
        new Plan(TraceDigest.sha256(other), trace.ops().size(), HardwarePresets.named("g10"), "none", List.of(), null)
                .write(planFile);
        CliRunner r = CliRunner.run("simulate", traceFile.toString(), planFile.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals(planFile + ": the plan was made for the trace with sha256 " + TraceDigest.sha256(other)
                + ", not this one (" + TraceDigest.sha256(trace) + ")", r.err().strip());
    }
}
