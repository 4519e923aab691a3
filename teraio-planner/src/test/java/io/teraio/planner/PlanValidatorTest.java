package io.teraio.planner;

import static io.teraio.planner.TinyTrace.BYTE_PER_NS;
import static io.teraio.planner.TinyTrace.hardware;
import static io.teraio.planner.TinyTrace.ids;
import static io.teraio.planner.TinyTrace.offload;
import static io.teraio.planner.TinyTrace.prefetch;
import static io.teraio.planner.TinyTrace.ssd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.TraceDigest;
import io.teraio.planner.sim.SimulationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanValidatorTest {
    private static final String ORIGIN = "plan.json";

    /**
     * w (1000 B) used by ops 0, 4, 5; x (500 B) allocated by op 1, used and freed by op 4;
     * g is not offloadable; "unused" is in no op.
     */
    private static final Workload W = new TinyTrace()
            .persistent(1, "w", 1000).activation(2, "x", 500).pinned(3, "g", 100).persistent(4, "unused", 10)
            .op("fwd", 100, 1, 3)
            .op("act", 100, ids(), ids(2), ids())
            .op("gap", 2000)
            .op("gap2", 300)
            .op("bwd", 100, ids(1, 2), ids(), ids(2))
            .op("opt", 100, 1, 3)
            .op("tail", 500)
            .workload();

    private static final HardwareProfile HW = hardware(10_000, 10 * BYTE_PER_NS, 10_000, ssd(0, BYTE_PER_NS, 100));

    private static final List<PlanEntry> VALID = List.of(offload(1, "w", 0, 1, 1), prefetch(1, "w", 0, 3, 4),
            offload(2, "x", -1, 2, 2), prefetch(2, "x", -1, 3, 4));

    private static Plan plan(HardwareProfile hw, PlanEntry... entries) {
        return new Plan("0000", 7, hw, "test", List.of(entries), null);
    }

    private static void assertRejected(String message, Plan plan) {
        TeraioException e = assertThrows(TeraioException.class, () -> PlanValidator.validate(W, plan, ORIGIN));
        assertEquals(ORIGIN + ": " + message, e.getMessage());
    }

    private static void assertRejected(String message, PlanEntry... entries) {
        assertRejected(message, plan(HW, entries));
    }

    @Test
    void validPlansPass() {
        SimulationResult r = PlanValidator.validate(W, plan(HW, VALID.toArray(PlanEntry[]::new)), ORIGIN);
        assertTrue(r.ran());
        // Kept offloaded across the boundary: a wrapping prefetch, or the first entry a prefetch.
        PlanValidator.validate(W, plan(HW, offload(1, "w", 0, 6, 6), prefetch(1, "w", 0, 6, 0)), ORIGIN);
        PlanValidator.validate(W, plan(HW, prefetch(1, "w", 0, 0, 0), offload(1, "w", 0, 6, 6)), ORIGIN);
        // An activation offloaded after its last use and never brought back.
        PlanValidator.validate(W, plan(HW, offload(2, "x", -1, 2, 2), prefetch(2, "x", -1, 3, 4),
                offload(1, "w", 0, 6, 6), prefetch(1, "w", 0, 6, 0)), ORIGIN);
        assertEquals(List.of(), PlanValidator.problems(W, plan(HW, VALID.toArray(PlanEntry[]::new)), ORIGIN, false));
    }

    @Test
    void theOpCountMustMatch() {
        Plan plan = new Plan("0000", 8, HW, "test", VALID, null);
        assertRejected("the plan is for 8 ops per iteration, but the trace's steady-state iteration has 7", plan);
    }

    @Test
    void theTraceDigestIsComparedWhenAsked() {
        Plan plan = plan(HW, VALID.toArray(PlanEntry[]::new));
        PlanValidator.validate(W, plan, ORIGIN, false);
        TeraioException e = assertThrows(TeraioException.class, () -> PlanValidator.validate(W, plan, ORIGIN, true));
        assertEquals(ORIGIN + ": the plan was made for the trace with sha256 0000, not this one ("
                + TraceDigest.sha256(W.trace()) + ")", e.getMessage());
        Plan right = new Plan(TraceDigest.sha256(W.trace()), 7, HW, "test", VALID, null);
        PlanValidator.validate(W, right, ORIGIN, true);
    }

    @Test
    void entriesNameExistingTensorsOfTheIterationByIdAndKey() {
        assertRejected("entry 0 (offload of tensor 99 'w'): tensor 99 is not in the trace",
                offload(99, "w", 0, 1, 1));
        assertRejected("entry 0 (offload of tensor 4 'unused'): tensor 4 is not used in the steady-state iteration",
                offload(4, "unused", 0, 1, 1));
        assertRejected("entry 0 (offload of tensor 1 'v'): the trace's tensor 1 has key 'w', not 'v'",
                offload(1, "v", 0, 1, 1));
        assertRejected("entry 0 (offload of tensor 3 'g'): tensor 3 is not offloadable (the trace says its memory"
                + " is not released when it moves)", offload(3, "g", 0, 1, 1));
    }

    @Test
    void opsAndSsdsMustExist() {
        assertRejected("entry 0 (offload of tensor 1 'w'): issueAtOp 7 is not an op of the iteration (0..6)",
                offload(1, "w", 0, 7, 1));
        assertRejected("entry 1 (prefetch of tensor 1 'w'): deadlineOp -1 is not an op of the iteration (0..6)",
                offload(1, "w", 0, 1, 1), prefetch(1, "w", 0, 3, -1));
        assertRejected("entry 0 (offload of tensor 1 'w'): ssd 1 does not exist (the hardware's SSDs are 0..0)",
                offload(1, "w", 1, 1, 1));
        HardwareProfile twoGpus = new HardwareProfile(
                List.of(new Device(0, 10_000, 10 * BYTE_PER_NS), new Device(1, 10_000, 10 * BYTE_PER_NS)),
                List.of(ssd(0, BYTE_PER_NS, 0), new Ssd(1, null, BYTE_PER_NS, BYTE_PER_NS, 0, 1)), 0);
        assertRejected("entry 0 (offload of tensor 1 'w'): ssd 1 serves device 1, not device 0",
                plan(twoGpus, offload(1, "w", 1, 1, 1), prefetch(1, "w", 1, 3, 4)));
    }

    @Test
    void entriesAlternateStartingWithAnOffload() {
        assertRejected("entry 0 (prefetch of tensor 2 'x'): no offload of the tensor comes before it (a tensor's"
                + " entries alternate offload, prefetch, starting with an offload)", prefetch(2, "x", -1, 3, 4));
        assertRejected("entry 1 (offload of tensor 1 'w'): the tensor is already offloaded by entry 0 (a tensor's"
                + " entries alternate offload, prefetch)",
                offload(1, "w", 0, 1, 1), offload(1, "w", 0, 2, 2), prefetch(1, "w", 0, 3, 4));
    }

    @Test
    void aPrefetchReadsWhereItsOffloadWrote() {
        assertRejected("entry 1 (prefetch of tensor 1 'w'): reads from host memory, but entry 0 wrote the tensor"
                + " to ssd 0", offload(1, "w", 0, 1, 1), prefetch(1, "w", -1, 3, 4));
    }

    @Test
    void onlyTensorsResidentAcrossTheBoundaryWrap() {
        assertRejected("entry 1 (prefetch of tensor 2 'x'): wraps into the next iteration (issueAtOp 3 >"
                + " deadlineOp 1), but tensor 2 is not resident across the iteration boundary",
                offload(2, "x", -1, 2, 2), prefetch(2, "x", -1, 3, 1));
    }

    @Test
    void transientTensorsMoveOnlyWhileAllocated() {
        assertRejected("entry 0 (offload of tensor 2 'x'): issued at op 1, before the tensor is allocated by op 1"
                + " (act)", offload(2, "x", -1, 1, 1), prefetch(2, "x", -1, 3, 4));
        assertRejected("entry 0 (offload of tensor 2 'x'): issued at op 5, after the tensor is freed by op 4 (bwd)",
                offload(2, "x", -1, 5, 5));
        assertRejected("entry 1 (prefetch of tensor 2 'x'): due at op 5, after the tensor is freed by op 4 (bwd)",
                offload(2, "x", -1, 2, 2), prefetch(2, "x", -1, 3, 5));
    }

    @Test
    void noOpNeedsATensorWhileItIsAway() {
        assertRejected("entry 0 (offload of tensor 1 'w'): op 0 (fwd) needs the tensor after this offload is"
                + " issued at op 0 and before entry 1 prefetches it at op 3",
                offload(1, "w", 0, 0, 0), prefetch(1, "w", 0, 3, 4));
        assertRejected("entry 1 (prefetch of tensor 1 'w'): due at op 5, after the tensor's next use by op 4 (bwd)",
                offload(1, "w", 0, 1, 1), prefetch(1, "w", 0, 3, 5));
        assertRejected("entry 0 (offload of tensor 1 'w'): op 4 (bwd) needs the tensor after this offload is"
                + " issued at op 1, and no prefetch brings it back", offload(1, "w", 0, 1, 1));
        // Wrap-aware: due at op 1 of the next iteration, but op 0 of that iteration uses it.
        assertRejected("entry 1 (prefetch of tensor 1 'w'): due at op 1 of the next iteration, after the tensor's"
                + " next use by op 0 (fwd)", offload(1, "w", 0, 6, 6), prefetch(1, "w", 0, 6, 1));
    }

    @Test
    void migrationsOfOneTensorDoNotOverlap() {
        assertRejected("entry 1 (prefetch of tensor 1 'w'): due at op 3, but entry 2 offloads the tensor again at"
                + " op 3 (migrations of one tensor must not overlap)",
                offload(1, "w", 0, 1, 1), prefetch(1, "w", 0, 2, 3), offload(1, "w", 0, 3, 3),
                prefetch(1, "w", 0, 3, 4));
    }

    @Test
    void thePlanMustFitInDeviceAndHostMemory() {
        // Without a plan: w and g (1100 B) resident, op 1 allocates x (500 B) in 1550 B.
        assertRejected("simulating the plan: out of memory at op 1 (act) in iteration 0: its allocations and"
                + " prefetches need 500 B, only 450 B of the device's 1.51 KiB is free, and no migration in flight"
                + " can free more", plan(hardware(1550, BYTE_PER_NS, 0)));
        assertRejected("simulating the plan: entry 2 (offload of tensor 2 'x') puts 500 B in host memory at op 2,"
                + " more than the hardware's hostMemoryBytes (100 B)",
                plan(hardware(10_000, 10 * BYTE_PER_NS, 100, ssd(0, BYTE_PER_NS, 100)),
                        VALID.toArray(PlanEntry[]::new)));
        assertRejected("op 4 (bwd) needs 1.46 KiB resident at once, more than the device's 1.37 KiB: no plan can"
                + " run it", plan(hardware(1400, BYTE_PER_NS, 0)));
    }

    @Test
    void problemsListsEveryEntryProblem() {
        Plan plan = plan(HW, offload(99, "w", 0, 1, 1), offload(1, "v", 0, 1, 1), prefetch(2, "x", -1, 3, 4));
        assertEquals(List.of(
                ORIGIN + ": entry 0 (offload of tensor 99 'w'): tensor 99 is not in the trace",
                ORIGIN + ": entry 1 (offload of tensor 1 'v'): the trace's tensor 1 has key 'w', not 'v'",
                ORIGIN + ": entry 2 (prefetch of tensor 2 'x'): no offload of the tensor comes before it (a tensor's"
                        + " entries alternate offload, prefetch, starting with an offload)"),
                PlanValidator.problems(W, plan, ORIGIN, false));
    }
}
