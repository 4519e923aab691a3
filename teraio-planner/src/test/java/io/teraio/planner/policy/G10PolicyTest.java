package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static io.teraio.planner.policy.TinyTrace.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * G10's planner on hand-computed cases. The hardware: one SSD at 1 GB/s each way (1 MB per
 * ms of op time) without latency, PCIe 10 GB/s; G10's system latency is set to 0 so that a
 * 1 MB transfer through the SSD takes exactly 1 ms.
 */
class G10PolicyTest {
    private static final long GBPS = 1_000_000_000L;
    private static final G10Policy G10 = new G10Policy(G10Policy.DEFAULT_DELTA, 0, G10Policy.DEFAULT_TARGET_FRACTION);

    private static PlanEntry offload(int tensor, String key, PlanTarget target, int issue, int deadline, boolean urgent) {
        return new PlanEntry(tensor, key, PlanAction.OFFLOAD, target, target == PlanTarget.SSD ? 0 : -1, issue,
                deadline, urgent);
    }

    private static PlanEntry prefetch(int tensor, String key, PlanTarget target, int issue, int deadline,
                                      boolean urgent) {
        return new PlanEntry(tensor, key, PlanAction.PREFETCH, target, target == PlanTarget.SSD ? 0 : -1, issue,
                deadline, urgent);
    }

    /**
     * {@code a} (1 MB) and {@code b} (3 MB) are saved by op 0 and used again by op 9; op 7
     * holds a 1 MB temporary; ops take 1 ms. With 4.5 MB (target 4.455 MB) one of them must be
     * away at op 7. Half of a's transfer (0.5 MB) is done within op 1 and half its prefetch is
     * left from op 8: its window [1, 8) covers op 7, area 1 MB x 1 ms. Half of b's (1.5 MB)
     * needs ops 1-2 and 7-8: its window [2, 7) misses op 7, area 0. Over its whole idle time b
     * would reduce 3 MB x 1 ms, so b goes first unless the windows are G10's.
     */
    static Workload twoSavedTensors() {
        TinyTrace t = new TinyTrace();
        int a = t.allocated("a", MB, TensorKind.ACTIVATION);
        int b = t.allocated("b", 3 * MB, TensorKind.ACTIVATION);
        int x = t.allocated("x", MB, TensorKind.WORKSPACE);
        t.op("fwd", MS, ids(), ids(a, b), ids());
        for (int k = 1; k <= 6; k++) {
            t.op("idle" + k, MS, ids(), ids(), ids());
        }
        return t.op("big", MS, ids(), ids(x), ids(x))
                .op("idle8", MS, ids(), ids(), ids())
                .op("bwd", MS, ids(a, b), ids(), ids(a, b))
                .workload();
    }

    @Test
    void theAreaWithinHalfTransfersPicksThePeriod() {
        Workload w = twoSavedTensors();
        HardwareProfile hw = TinyTrace.hardware(9 * MB / 2, 1, GBPS, 0);
        // a leaves at op 1 (its last bucket is op 1, absent from op 2) and its prefetch, due by
        // op 9, starts at op 8 (backward fill); G10 then moves the prefetch earlier while the op
        // before it is under the target line without a (3 MB at ops 2-6, 4 MB at op 7): to op 2.
        assertEquals(List.of(
                offload(0, "a", PlanTarget.SSD, 1, 2, true),
                prefetch(0, "a", PlanTarget.SSD, 2, 9, false)), G10.smartMigration(w, hw));
    }

    @Test
    void whereItsPlanDoesNotRunTheRuntimesEvictionsAreAdded() {
        Workload w = twoSavedTensors();
        HardwareProfile hw = TinyTrace.hardware(9 * MB / 2, 1, GBPS, 0);
        // a back from op 2 leaves no room for op 7's temporary: the least recently used tensor
        // idle there, b (last used at op 0; a was fetched at op 2), is evicted at op 7 and
        // fetched at its next use
        assertFalse(Simulator.simulate(w, hw, G10.smartMigration(w, hw)).ran());
        List<PlanEntry> entries = G10.plan(w, hw);
        assertEquals(List.of(
                offload(0, "a", PlanTarget.SSD, 1, 2, true),
                prefetch(0, "a", PlanTarget.SSD, 2, 9, false),
                offload(1, "b", PlanTarget.SSD, 7, 7, true),
                prefetch(1, "b", PlanTarget.SSD, 9, 9, true)), entries);
        PlanChecks.assertFollowsSemantics(w, hw, entries);
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertTrue(r.ran(), r.outOfMemory());
        // b's 3 MB at 1 GB/s: 3 ms out before op 7, 3 ms in before op 9
        assertEquals(6 * MS, r.prediction().stallNs());
    }

    /**
     * {@link TeraioPolicyTest#savedActivation()} with op 1 taking 10 ms: {@code a} (1 MB) is
     * saved by op 0 and used again by op 5, ops 2-3 hold a 2 MB temporary; 2.5 MB of memory.
     * a's offload would ideally end within op 1, its first idle op, so G10's check for free
     * SSD write bandwidth before that op looks at no op at all and calls the SSD crowded.
     */
    static Workload longFirstIdleOp() {
        return TeraioPolicyTest.savedActivation(10 * MS);
    }

    @Test
    void aCrowdedSsdSendsThePeriodToHostMemoryWhenItHasRoom() {
        Workload w = longFirstIdleOp();
        // by PCIe: offload within op 1, prefetch from op 4 (10 MB a bucket); moved earlier to op 2
        assertEquals(List.of(
                offload(0, "a", PlanTarget.HOST, 1, 2, true),
                prefetch(0, "a", PlanTarget.HOST, 2, 5, false)),
                G10.smartMigration(w, TinyTrace.hardware(5 * MB / 2, 1, GBPS, 8 * MB)));
        // no host memory: the SSD after all, the same ops (op 1 holds 10 MB of write bandwidth)
        List<PlanEntry> entries = G10.plan(w, TinyTrace.hardware(5 * MB / 2, 1, GBPS, 0));
        assertEquals(List.of(
                offload(0, "a", PlanTarget.SSD, 1, 2, true),
                prefetch(0, "a", PlanTarget.SSD, 2, 5, false)), entries);
        SimulationResult r = PlanChecks.simulateCleanly(w, TinyTrace.hardware(5 * MB / 2, 1, GBPS, 0), entries);
        // the prefetch waits for the temporary's memory, then takes 1 ms during op 4
        assertEquals(0, r.prediction().stallNs());
    }

    /**
     * {@code a} (1 MB) is idle over five ops of 0.5 ms (2.5 ms), exactly 2.5 times its 1 ms
     * transfer; op 3 holds a 2 MB temporary; 2.5 MB of memory.
     */
    static Workload idleTwoAndAHalfTransfers() {
        TinyTrace t = new TinyTrace();
        int a = t.allocated("a", MB, TensorKind.ACTIVATION);
        int x = t.allocated("x", 2 * MB, TensorKind.ACTIVATION);
        return t.op("fwd", MS, ids(), ids(a), ids())
                .op("i1", MS / 2, ids(), ids(), ids())
                .op("i2", MS / 2, ids(), ids(), ids())
                .op("big", MS / 2, ids(), ids(x), ids(x))
                .op("i4", MS / 2, ids(), ids(), ids())
                .op("i5", MS / 2, ids(), ids(), ids())
                .op("bwd", MS, ids(a), ids(), ids(a))
                .workload();
    }

    @Test
    void deltaDecidesWhetherAPeriodIsLongEnoughForTheSsd() {
        Workload w = idleTwoAndAHalfTransfers();
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 1, GBPS, 0);
        // delta 0.5: it needs more than 2.5 ms; host memory would do (0.25 ms) but there is none
        assertEquals(List.of(), G10.smartMigration(w, hw));
        // delta 0: more than 2 ms will do; the offload's last bucket is op 2, the backward fill
        // of the prefetch starts at op 4, moved earlier to op 3
        assertEquals(List.of(
                offload(0, "a", PlanTarget.SSD, 1, 3, false),
                prefetch(0, "a", PlanTarget.SSD, 3, 6, false)),
                new G10Policy(0, 0, G10Policy.DEFAULT_TARGET_FRACTION).smartMigration(w, hw));
        // delta 0.45 needs more than 2.45 ms: still moved; with G10's system latency (45 us a
        // transfer, 2.45 x 1.045 ms = 2.56 ms) not
        assertEquals(2, new G10Policy(0.45, 0, G10Policy.DEFAULT_TARGET_FRACTION).smartMigration(w, hw).size());
        assertEquals(List.of(), new G10Policy(0.45, G10Policy.DEFAULT_SYSTEM_LATENCY_NS,
                G10Policy.DEFAULT_TARGET_FRACTION).smartMigration(w, hw));
        // at the defaults the runtime evicts a when op 3 needs the memory and fetches it at op 6
        assertEquals(List.of(
                offload(0, "a", PlanTarget.SSD, 3, 3, true),
                prefetch(0, "a", PlanTarget.SSD, 6, 6, true)), G10.plan(w, hw));
    }

    @Test
    void nothingMovesWhenEverythingFitsUnderTheTargetLine() {
        Workload w = longFirstIdleOp();
        assertEquals(List.of(), G10.plan(w, TinyTrace.hardware(3 * MB + MB / 20, 1, GBPS, 0)));
        // 3 MB is under the capacity but over 99% of it: G10 still moves a
        assertEquals(2, G10.plan(w, TinyTrace.hardware(3 * MB + MB / 200, 1, GBPS, 0)).size());
    }

    @ParameterizedTest
    @CsvSource({"1, 2, 1, 0", "2, 3, 2, 512", "3, 4, 1, 0", "4, 6, 2, 0", "5, 6, 0, 4096", "6, 5, 1, 256"})
    void generatedTrainingStepsRunWithTheRuntimesEvictionsWhereNeeded(long seed, double oversubscription, int ssds,
                                                                     long hostMiB) {
        Workload w = TrainingTraces.transformer(6, 16 * MB, 8 * MB, 10 * MS, seed);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, oversubscription, ssds, hostMiB << 20);
        List<PlanEntry> entries = G10.plan(w, hw);
        PlanChecks.assertFollowsSemantics(w, hw, entries);
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertTrue(r.ran(), r.outOfMemory());
        assertTrue(r.hostMemoryViolation() == null, r.hostMemoryViolation());
    }

    @Test
    void knobsOutsideTheirRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new G10Policy(-1, 0, 0.99));
        assertThrows(IllegalArgumentException.class, () -> new G10Policy(0.5, -1, 0.99));
        assertThrows(IllegalArgumentException.class, () -> new G10Policy(0.5, 0, 1.5));
    }
}
