package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static io.teraio.planner.policy.TinyTrace.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.JobPlanner;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.JobSimulation;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobPlannerTest {
    private static final long GB_PER_S = 1_000_000_000L;

    /** Two devices like {@link TrainingTraces#hardware}, each with {@code ssdsEach} SSDs of its own. */
    private static HardwareProfile ownSsds(long capacityBytes, int ssdsEach) {
        List<Ssd> ssds = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            for (int i = 0; i < ssdsEach; i++) {
                ssds.add(new Ssd(ssds.size(), null, 6_000_000_000L, 4_000_000_000L, 20_000, d));
            }
        }
        return new HardwareProfile(List.of(new Device(0, capacityBytes, 16_000_000_000L),
                new Device(1, capacityBytes, 16_000_000_000L)), ssds, 0);
    }

    @ParameterizedTest
    @CsvSource({"1, 3.0, 1", "2, 4.0, 2", "3, 2.0, 1"})
    void ranksWithTheirOwnSsdsPlanAndSimulateExactlyAsOneDeviceAlone(long seed, double oversubscription, int ssds) {
        Workload w = TrainingTraces.transformer(6, 16 * MB, 8 * MB, 10 * MS, seed);
        HardwareProfile alone = TrainingTraces.oversubscribed(w, oversubscription, ssds, 0);
        List<PlanEntry> aloneEntries = new TeraioPolicy().plan(w, alone);
        SimulationResult aloneResult = Simulator.simulate(w, alone, aloneEntries);
        assertTrue(aloneResult.ran(), aloneResult.outOfMemory());
        assertTrue(aloneResult.prediction().bytesToSsd() > 0, "the rank moves tensors");

        // The same rank on each device, read as two traces (two workloads).
        Workload rank1 = TrainingTraces.transformer(6, 16 * MB, 8 * MB, 10 * MS, seed);
        HardwareProfile job = ownSsds(alone.device().memoryBytes(), ssds);
        String digest = TraceDigest.sha256(w.trace());
        JobPlanner.Result result = JobPlanner.plan(new TeraioPolicy(), List.of(w, rank1), List.of(digest, digest), job);
        assertEquals(1, result.rounds().size(), "nothing is shared, so the independent plans are final");
        for (int d = 0; d < 2; d++) {
            SimulationResult device = result.simulation().devices().get(d);
            assertEquals(aloneResult.prediction(), device.prediction(), "device " + d);
            assertEquals(aloneResult.percentOfIdeal(), device.percentOfIdeal(), "device " + d);
            assertEquals(aloneResult.iterationNs(), device.iterationNs(), "device " + d);
            List<PlanEntry> entries = result.entries().get(d);
            assertEquals(aloneEntries.size(), entries.size());
            for (int i = 0; i < entries.size(); i++) {
                PlanEntry a = aloneEntries.get(i);
                PlanEntry e = entries.get(i);
                int ssd = a.target() == PlanTarget.SSD ? a.ssd() + d * ssds : -1;
                assertEquals(new PlanEntry(a.tensor(), a.key(), a.action(), a.target(), ssd, a.issueAtOp(),
                        a.deadlineOp(), a.urgent()), e);
            }
        }
        assertEquals(aloneResult.prediction().iterationNs(), result.simulation().lastIterationNs());
        assertEquals(aloneResult.percentOfIdeal(), result.simulation().percentOfIdeal());
    }

    @Test
    void aJobOfOneDeviceSimulatesExactlyAsTheSimulator() {
        Workload w = TrainingTraces.transformer(6, 16 * MB, 8 * MB, 10 * MS, 4);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, 4.0, 2, 64 * MB);
        List<PlanEntry> entries = new TeraioPolicy().plan(w, hw);
        SimulationResult alone = Simulator.simulate(w, hw, entries);
        JobSimulation job = Simulator.simulateJob(List.of(w), hw, List.of(entries));
        SimulationResult device = job.devices().get(0);
        assertEquals(alone.prediction(), device.prediction());
        assertEquals(alone.iterationNs(), device.iterationNs());
        assertEquals(alone.stallNsByCause(), device.stallNsByCause());
        assertEquals(alone.peakHostBytes(), device.peakHostBytes());
        assertEquals(alone.iterationNs(), job.iterationNs());
    }

    /**
     * Activation {@code a} (1 MB) is saved by op 0 and used by op 7; ops 3 and 4 hold a 2 MB
     * temporary, so with 2.5 MB of memory {@code a} must be away over them. Ops take 1 ms; the
     * one SSD moves 1 MB in 1 ms each way and serves both devices.
     */
    static Workload savedAcrossIdleOps() {
        TinyTrace t = new TinyTrace();
        int a = t.allocated("a", MB, TensorKind.ACTIVATION);
        int x = t.allocated("x", 2 * MB, TensorKind.ACTIVATION);
        return t.op("fwd", MS, ids(), ids(a), ids())
                .op("idle", MS, ids(), ids(), ids())
                .op("idle", MS, ids(), ids(), ids())
                .op("big", MS, ids(), ids(x), ids())
                .op("use", MS, ids(x), ids(), ids(x))
                .op("idle", MS, ids(), ids(), ids())
                .op("idle", MS, ids(), ids(), ids())
                .op("bwd", MS, ids(a), ids(), ids(a))
                .workload();
    }

    private static HardwareProfile sharedSsd() {
        return new HardwareProfile(List.of(new Device(0, 5 * MB / 2, 10 * GB_PER_S),
                new Device(1, 5 * MB / 2, 10 * GB_PER_S)), List.of(new Ssd(0, null, GB_PER_S, GB_PER_S, 0, -1)), 0);
    }

    /**
     * Planned alone, each device offloads {@code a} at op 1 (1..2 ms) and prefetches it at op 6,
     * just in time for op 7: 8 ms, 100% of ideal. Together on the shared SSD the writes queue
     * (device 1's ends at 3 ms, still before its op 3) and so do the reads: device 1's prefetch
     * ends at 8 ms, so its op 7 waits 1 ms and the job takes 9 ms (88.9%). Planned jointly, each
     * device sees half the SSD: a read takes 2 ms, so both prefetch at op 5 (5 ms); device 0 reads
     * over 5..6 ms, device 1 over 6..7 ms, both before op 7: 8 ms again.
     */
    @Test
    void twoDevicesSharingOneSsdContendAndTheJointPlanBeatsIndependentPlans() {
        Workload w = savedAcrossIdleOps();
        HardwareProfile hw = sharedSsd();
        List<Workload> ranks = List.of(w, savedAcrossIdleOps());
        List<String> digests = List.of("same", "same");

        SimulationResult alone = Simulator.simulate(w, TinyTrace.hardware(5 * MB / 2, 1, GB_PER_S, 0),
                new TeraioPolicy().plan(w, TinyTrace.hardware(5 * MB / 2, 1, GB_PER_S, 0)));
        assertEquals(8 * MS, alone.prediction().iterationNs());

        JobPlanner.Result independent = JobPlanner.planIndependently(new TeraioPolicy(), ranks, digests, hw);
        List<PlanEntry> expected = List.of(
                new PlanEntry(0, "a", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 1, 3, false),
                new PlanEntry(0, "a", PlanAction.PREFETCH, PlanTarget.SSD, 0, 6, 7, true));
        assertEquals(List.of(expected, expected), independent.entries());
        JobSimulation together = independent.simulation();
        assertEquals(8 * MS, together.devices().get(0).prediction().iterationNs());
        assertEquals(9 * MS, together.devices().get(1).prediction().iterationNs());
        assertEquals(MS, together.devices().get(1).prediction().stallNs());
        assertEquals(9 * MS, together.lastIterationNs());
        assertEquals(1, together.slowestDevice());
        assertEquals(100.0 * 8 / 9, together.percentOfIdeal(), 1e-9);

        JobPlanner.Result joint = JobPlanner.plan(new TeraioPolicy(), ranks, digests, hw);
        assertEquals(1, joint.chosen(), "round 1, with the SSD split two ways");
        assertEquals("ssd 0 split 2 ways", joint.round().describeSplit(2));
        for (List<PlanEntry> entries : joint.entries()) {
            PlanEntry prefetch = entries.get(1);
            assertEquals(PlanAction.PREFETCH, prefetch.action());
            assertEquals(5, prefetch.issueAtOp());
        }
        assertEquals(8 * MS, joint.simulation().lastIterationNs());
        assertEquals(0, joint.simulation().devices().get(1).prediction().stallNs());
        assertEquals(100.0, joint.simulation().percentOfIdeal(), 1e-9);
        assertTrue(joint.simulation().lastIterationNs() < together.lastIterationNs());
    }

    @Test
    void sharedHostMemoryIsCappedForAllDevicesTogether() {
        Workload w = TeraioPolicyTest.savedActivation();
        // No SSD; host memory holds one 1 MB activation, not two.
        HardwareProfile hw = new HardwareProfile(List.of(new Device(0, 5 * MB / 2, 10 * GB_PER_S),
                new Device(1, 5 * MB / 2, 10 * GB_PER_S)), List.of(), 3 * MB / 2);
        List<PlanEntry> entries = new TeraioPolicy().plan(w, TinyTrace.hardware(5 * MB / 2, 0, 1, 3 * MB / 2));
        JobSimulation job = Simulator.simulateJob(List.of(w, TeraioPolicyTest.savedActivation()), hw,
                List.of(entries, entries));
        assertTrue(job.ran(), job.outOfMemory());
        assertTrue(job.hostMemoryViolation() != null && job.hostMemoryViolation().startsWith("device 1: entry 0"),
                job.hostMemoryViolation());
        assertEquals(2 * MB, job.peakHostBytes());
        TeraioException e = assertThrows(TeraioException.class, () -> JobPlanner.plan(new TeraioPolicy(),
                List.of(w, TeraioPolicyTest.savedActivation()), List.of("s", "s"), hw));
        assertTrue(e.getMessage().startsWith("planning a job: no round's plans run together; round 0"), e.getMessage());
    }

    @Test
    void aDeviceOutOfMemoryStopsTheJobAndIsNamed() {
        Workload w = savedAcrossIdleOps();
        HardwareProfile hw = sharedSsd();
        List<PlanEntry> fits = List.of(
                new PlanEntry(0, "a", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 1, 3, false),
                new PlanEntry(0, "a", PlanAction.PREFETCH, PlanTarget.SSD, 0, 6, 7, true));
        JobSimulation job = Simulator.simulateJob(List.of(w, savedAcrossIdleOps()), hw, List.of(fits, List.of()));
        assertEquals(false, job.ran());
        assertTrue(job.outOfMemory().startsWith("device 1: out of memory at op 3 (big) in iteration 0"),
                job.outOfMemory());
        assertTrue(job.devices().get(0).outOfMemory().startsWith("stopped at op "),
                job.devices().get(0).outOfMemory());
        assertEquals(0, job.percentOfIdeal());
    }

    @Test
    void aDevicesEntriesMustUseItsOwnSsds() {
        Workload w = savedAcrossIdleOps();
        HardwareProfile hw = new HardwareProfile(List.of(new Device(0, 5 * MB / 2, 10 * GB_PER_S),
                new Device(1, 5 * MB / 2, 10 * GB_PER_S)), List.of(new Ssd(0, null, GB_PER_S, GB_PER_S, 0, 0),
                new Ssd(1, null, GB_PER_S, GB_PER_S, 0, 1)), 0);
        List<PlanEntry> onSsd0 = List.of(
                new PlanEntry(0, "a", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 1, 3, false),
                new PlanEntry(0, "a", PlanAction.PREFETCH, PlanTarget.SSD, 0, 6, 7, true));
        JobPlan plan = new JobPlan(hw, "teraio", List.of(new Plan("x", 8, hw, "teraio", onSsd0, null),
                new Plan("x", 8, hw, "teraio", onSsd0, null)), null);
        TeraioException e = assertThrows(TeraioException.class,
                () -> PlanValidator.validateJob(List.of(w, w), plan, "plan.json", false));
        assertEquals("plan.json: device 1: entry 0 (offload of tensor 0 'a'): ssd 0 serves device 0, not device 1",
                e.getMessage());
        TeraioException count = assertThrows(TeraioException.class,
                () -> PlanValidator.validateJob(List.of(w), plan, "plan.json", false));
        assertEquals("plan.json: the plan is for 2 devices, but 1 trace was given (one per device, in device order)",
                count.getMessage());
    }

    @Test
    void theTraceCountMustMatchTheDevices() {
        Workload w = savedAcrossIdleOps();
        TeraioException e = assertThrows(TeraioException.class,
                () -> JobPlanner.plan(new TeraioPolicy(), List.of(w), List.of("s"), sharedSsd()));
        assertEquals("planning a job: 1 trace for 2 devices (one trace per device, in device order)", e.getMessage());
    }
}
