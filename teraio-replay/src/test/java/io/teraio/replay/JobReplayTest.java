package io.teraio.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.DeviceEngines;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.Trace;
import io.teraio.planner.JobPlanner;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.Policies;
import io.teraio.profiler.synth.TransformerSpec;
import io.teraio.profiler.synth.TransformerTrace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two devices replaying a job plan together, on two SSDs that serve both. */
class JobReplayTest {
    @TempDir
    Path dir;

    private final Trace trace = TraceReplay.scaled(TransformerTrace.generate(
            new TransformerSpec("tiny", 2, 256, 4, 4, 1024, 1000, 64, 2, 1, 2, 2e11, 2e10, 0)), 4.0);
    private final Workload workload = Workload.of(trace);
    private final long memory = workload.peakLiveBytes() * 6 / 10;

    private HardwareProfile hardware() {
        return new HardwareProfile(List.of(new Device(0, memory, 16L << 30), new Device(1, memory, 16L << 30)),
                List.of(new Ssd(0, dir.resolve("a").toString(), 1L << 30, 1L << 30, 50_000, -1),
                        new Ssd(1, dir.resolve("b").toString(), 1L << 30, 1L << 30, 50_000, -1)), 0);
    }

    private TeraioConfig config() {
        return TeraioConfig.resolve(Map.of("deviceMemory", Long.toString(memory), "verify", "true",
                "io.preallocate", "16m", "hostMemory", "0"), Map.of(), Map.of());
    }

    private JobPlan job(HardwareProfile hw, List<List<PlanEntry>> entries) {
        String digest = TraceDigest.sha256(trace);
        List<Plan> plans = new ArrayList<>();
        for (List<PlanEntry> e : entries) {
            plans.add(new Plan(digest, workload.opCount(), hw, "teraio", e, null));
        }
        return new JobPlan(hw, "teraio", plans, null);
    }

    @Test
    void eachDeviceRunsItsPlanOnTheSharedSsdsAndEveryByteComesBack() {
        HardwareProfile hw = hardware();
        String digest = TraceDigest.sha256(trace);
        List<List<PlanEntry>> entries = JobPlanner.plan(Policies.byName("teraio"), List.of(workload, workload),
                List.of(digest, digest), hw).entries();
        for (int d = 0; d < 2; d++) {
            assertTrue(entries.get(d).stream().anyMatch(e -> e.target() == PlanTarget.SSD), "device " + d + " offloads");
        }
        JobReplay.Result result;
        try (DeviceEngines engines = DeviceEngines.open(config(), hw)) {
            result = JobReplay.run(List.of(workload, workload), job(hw, entries), engines,
                    new ReplayOptions(2, 30_000_000_000L, true), null);
        }
        assertEquals(2, result.devices().size());
        assertEquals(2, result.iterationNs().size());
        for (int d = 0; d < 2; d++) {
            ReplayResult r = result.devices().get(d);
            assertEquals(0, r.corruptTensors(), "device " + d);
            assertEquals(0, r.engine().crcMismatches(), "device " + d);
            assertEquals(0, r.total().misses(), "device " + d + ": a valid plan brings every tensor back in time");
            assertTrue(r.total().bytesToSsd() > 0 && r.total().bytesFromSsd() > 0, "device " + d + ": " + r.total());
            assertTrue(r.peakDeviceBytes() <= memory, "device " + d + " over its memory: " + r.peakDeviceBytes());
            for (int i = 0; i < 2; i++) {
                assertTrue(result.iterationNs().get(i) >= r.iterationNs().get(i),
                        "the job's iteration is its slowest device's");
            }
        }
        assertEquals(result.lastIterationNs(), result.devices().get(result.slowestDevice()).lastIterationNs());
    }

    @Test
    @Timeout(120)
    void aDeviceThatFailsStopsTheOthersAndIsNamed() {
        HardwareProfile hw = hardware();
        String digest = TraceDigest.sha256(trace);
        List<List<PlanEntry>> entries = JobPlanner.plan(Policies.byName("teraio"), List.of(workload, workload),
                List.of(digest, digest), hw).entries();
        // device 1's trace gives two of its tensors one key: its replay refuses it as it starts,
        // while device 0 runs its first iteration and then finds device 1 gone
        List<Tensor> tensors = new ArrayList<>(trace.tensors());
        Tensor second = tensors.get(1);
        tensors.set(1, new Tensor(second.id(), tensors.get(0).key(), second.bytes(), second.kind(),
                second.persistent(), second.offloadable(), second.device()));
        Workload broken = Workload.of(new Trace(trace.source(), trace.iterations(), tensors, trace.ops()));
        TeraioException e;
        try (DeviceEngines engines = DeviceEngines.open(config(), hw)) {
            e = assertThrows(TeraioException.class, () -> JobReplay.run(List.of(workload, broken), job(hw, entries),
                    engines, new ReplayOptions(50, 30_000_000_000L, true), null));
        }
        assertTrue(e.getMessage().startsWith("device 1: tensors "), e.getMessage());
        assertTrue(e.getMessage().contains("share the key"), e.getMessage());
        assertEquals(0, e.getSuppressed().length, "device 0 stopped because device 1 failed, not on its own");
    }
}
