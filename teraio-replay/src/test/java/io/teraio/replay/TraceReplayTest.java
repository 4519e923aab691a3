package io.teraio.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.Trace;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.Policies;
import io.teraio.planner.sim.Simulator;
import io.teraio.profiler.synth.TransformerSpec;
import io.teraio.profiler.synth.TransformerTrace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plan executed for real on two O_DIRECT directories: every byte comes back, the bytes moved are the plan's. */
class TraceReplayTest {
    @TempDir
    Path dir;

    @Test
    void replayMovesThePlannedBytesAndBringsEveryByteBack() {
        TransformerSpec spec = new TransformerSpec("tiny", 2, 256, 4, 4, 1024, 1000, 64, 2, 1, 2, 2e11, 2e10, 0);
        Trace trace = TraceReplay.scaled(TransformerTrace.generate(spec), 4.0);
        Workload workload = Workload.of(trace);
        long memory = workload.peakLiveBytes() * 6 / 10;
        HardwareProfile hw = new HardwareProfile(List.of(new Device(0, memory, 16L << 30)),
                List.of(new Ssd(0, null, 1L << 30, 1L << 30, 50_000, -1), new Ssd(1, null, 1L << 30, 1L << 30, 50_000, -1)),
                0);
        List<PlanEntry> entries = Policies.byName("teraio").plan(workload, hw);
        assertTrue(entries.stream().anyMatch(e -> e.target() == PlanTarget.SSD && e.ssd() == 1),
                "the plan should use both SSDs");
        assertTrue(Simulator.simulate(workload, hw, entries).ran(), "the plan fits the device");

        TeraioConfig config = TeraioConfig.resolve(Map.of("dirs", dir.resolve("a") + ":" + dir.resolve("b"),
                "deviceMemory", Long.toString(memory), "verify", "true", "io.preallocate", "16m", "hostMemory", "0"),
                Map.of(), Map.of());
        ReplayResult result;
        try (MigrationEngine engine = MigrationEngine.open(config)) {
            result = TraceReplay.run(workload, entries, engine, new ReplayOptions(2, 30_000_000_000L, true), null);
        }
        EngineStats s = result.engine();
        assertEquals(0, result.corruptTensors(), "tensor bytes changed on the way to SSD and back");
        assertEquals(0, s.crcMismatches());
        assertEquals(0, s.failedWrites());
        assertEquals(0, s.misses(), "a valid plan brings every tensor back before it is needed");
        assertEquals(0, result.total().skipped(), "every plan entry applied to its tensor's state");
        assertEquals(0, result.total().misses());
        // Every entry applied, so the bytes moved are the plan's. (The engine counts bytes as
        // transfers complete, so the last iteration's window can differ from the simulator's
        // count by the transfers in flight across its ends: no exact comparison here.)
        assertTrue(s.bytesToSsd() > 0 && s.bytesFromSsd() > 0, s.toString());
        assertTrue(result.peakDeviceBytes() <= memory, "device memory over its capacity: " + result.peakDeviceBytes());
        assertEquals(2, result.iterationNs().size());
        assertTrue(result.lastIterationNs() >= workload.idealNs(), "an iteration is never faster than its ops");
    }
}
