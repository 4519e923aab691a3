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
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.StartState;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TeraioPolicyTest {
    /**
     * Activation {@code a} (1 MB) is saved by op 0 and used again by op 5; ops 2 and 3 hold a
     * 2 MB temporary. With 2.5 MB of memory {@code a} must be away over ops 2..3. Ops take
     * 1 ms; at 1 GB/s a transfer of {@code a} takes exactly one op.
     */
    static Workload savedActivation() {
        return savedActivation(MS);
    }

    /** {@link #savedActivation()} with op 1 ({@code mid}) taking {@code midNs}. */
    static Workload savedActivation(long midNs) {
        TinyTrace t = new TinyTrace();
        int a = t.allocated("a", MB, TensorKind.ACTIVATION);
        int x = t.allocated("x", 2 * MB, TensorKind.ACTIVATION);
        return t.op("fwd", MS, ids(), ids(a), ids())
                .op("mid", midNs, ids(), ids(), ids())
                .op("big", MS, ids(), ids(x), ids())
                .op("use", MS, ids(x), ids(), ids(x))
                .op("idle", MS, ids(), ids(), ids())
                .op("bwd", MS, ids(a), ids(), ids(a))
                .workload();
    }

    @Test
    void aTensorLeavesJustInTimeAndComesBackJustInTime() {
        Workload w = savedActivation();
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 2, 1_000_000_000L, 0);
        List<PlanEntry> entries = new TeraioPolicy().plan(w, hw);
        assertEquals(List.of(
                new PlanEntry(0, "a", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 1, 2, true),
                new PlanEntry(0, "a", PlanAction.PREFETCH, PlanTarget.SSD, 0, 4, 5, true)), entries);
        PlanChecks.assertFitsWithoutContention(w, hw, PlanChecks.assertFollowsSemantics(w, hw, entries));
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertTrue(r.ran(), r.outOfMemory());
        assertEquals(0, r.prediction().stallNs());
    }

    /**
     * Activation {@code a} (1 MB) is made by op 0 and last used by op 1, but held until the
     * iteration ends (a framework that closes a step's arrays only after it, as DJL does); ops
     * 3 and 4 need a 2 MB temporary. With 2.5 MB {@code a} must leave after its last use, and
     * nothing brings it back: its tail is written out, with no prefetch.
     */
    @Test
    void aTensorHeldAfterItsLastUseIsWrittenOutWithNoPrefetch() {
        TinyTrace t = new TinyTrace();
        int a = t.allocated("a", MB, TensorKind.ACTIVATION);
        int x = t.allocated("x", 2 * MB, TensorKind.ACTIVATION);
        Workload w = t.op("fwd", MS, ids(), ids(a), ids())
                .op("use", MS, ids(a), ids(), ids())
                .op("idle", MS, ids(), ids(), ids())
                .op("big", MS, ids(), ids(x), ids())
                .op("use", MS, ids(x), ids(), ids(x))
                .workload();
        assertEquals(w.opCount(), w.freeOp(0), "held to the end");
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 1, 1_000_000_000L, 0);
        List<PlanEntry> entries = new TeraioPolicy().plan(w, hw);
        assertEquals(List.of(new PlanEntry(0, "a", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 2, 3, true)), entries);
        PlanChecks.assertFollowsSemantics(w, hw, entries);
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertTrue(r.ran(), r.outOfMemory());
        assertTrue(r.prediction().peakDeviceBytes() <= 5 * MB / 2, r.prediction().toString());
        assertEquals(MB, r.prediction().bytesToSsd());
        assertEquals(0, r.prediction().bytesFromSsd());
        // the policies that move only between two uses cannot fit it
        assertThrows(TeraioException.class, () -> new G10Policy().plan(w, hw));
    }

    @Test
    void nothingMovesWhenEverythingFits() {
        Workload w = savedActivation();
        assertEquals(List.of(), new TeraioPolicy().plan(w, TinyTrace.hardware(3 * MB, 1, 1_000_000_000L, 0)));
    }

    @Test
    void withoutSsdsHostMemoryTakesTheTensor() {
        Workload w = savedActivation();
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 0, 1, 10 * MB);
        List<PlanEntry> entries = new TeraioPolicy().plan(w, hw);
        assertEquals(2, entries.size());
        assertTrue(entries.stream().allMatch(e -> e.target() == PlanTarget.HOST && e.ssd() == -1), entries::toString);
        PlanChecks.assertFitsWithoutContention(w, hw, PlanChecks.assertFollowsSemantics(w, hw, entries));
        assertTrue(PlanChecks.simulateCleanly(w, hw, entries).ran());
    }

    @Test
    void aWeightIdleAcrossTheIterationBoundaryIsPrefetchedInTheNextIteration() {
        TinyTrace t = new TinyTrace();
        int weight = t.persistent("w", MB, TensorKind.PARAMETER);
        int x = t.allocated("x", 2 * MB, TensorKind.ACTIVATION);
        t.op("idle", MS, ids(), ids(), ids()).op("fwd", MS, ids(weight), ids(), ids())
                .op("idle", MS, ids(), ids(), ids()).op("idle", MS, ids(), ids(), ids())
                .op("big", MS, ids(), ids(x), ids()).op("use", MS, ids(x), ids(), ids(x))
                .op("idle", MS, ids(), ids(), ids()).op("idle", MS, ids(), ids(), ids());
        Workload w = t.workload();
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 1, 1_000_000_000L, 0);
        List<PlanEntry> entries = new TeraioPolicy().plan(w, hw);
        // Offloaded after its use at op 1, due back at op 1 of the next iteration, read during op 0.
        assertEquals(List.of(
                new PlanEntry(0, "w", PlanAction.PREFETCH, PlanTarget.SSD, 0, 0, 1, true),
                new PlanEntry(0, "w", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 2, 4, false)), entries);
        PlanChecks.assertFitsWithoutContention(w, hw, PlanChecks.assertFollowsSemantics(w, hw, entries));
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertEquals(0, r.prediction().stallNs());
    }

    @Test
    void whenNothingFitsOnTimeItOffloadsWithStallsInsteadOfFailing() {
        Workload w = savedActivation();
        // 0.1 GB/s: moving a takes 10 ms, the whole idle time is 4 ms.
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 1, 100_000_000L, 0);
        GreedyState state = new TeraioPolicy().run(w, hw);
        ModelOutcome outcome = state.outcome();
        assertEquals(0, outcome.overflowNs());
        assertTrue(outcome.stallNs() > 0, outcome::toString);
        List<PlanEntry> entries = state.entries();
        PlanChecks.assertFollowsSemantics(w, hw, entries);
        assertTrue(entries.stream().allMatch(PlanEntry::urgent), entries::toString);
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertTrue(r.ran(), r.outOfMemory());
        assertTrue(r.prediction().stallNs() > 0);
        assertTrue(r.prediction().peakDeviceBytes() <= hw.device().memoryBytes());
    }

    @Test
    void anOpThatCannotFitIsNamed() {
        TinyTrace t = new TinyTrace();
        int a = t.allocated("a", MB, TensorKind.ACTIVATION);
        int x = t.allocated("x", 3 * MB, TensorKind.ACTIVATION);
        t.op("fwd", MS, ids(), ids(a), ids()).op("mid", MS, ids(), ids(), ids())
                .op("big", MS, ids(), ids(x), ids(x)).op("bwd", MS, ids(a), ids(), ids(a));
        Workload w = t.workload();
        TeraioException e = assertThrows(TeraioException.class,
                () -> new TeraioPolicy().plan(w, TinyTrace.hardware(5 * MB / 2, 1, 1_000_000_000L, 0)));
        assertEquals("op 2 (big) cannot fit in device memory even with every idle tensor offloaded: it needs"
                + " 2.86 MiB resident, more than the device's 2.38 MiB", e.getMessage());
    }

    @Test
    void memoryThatCannotLeaveCountsAgainstTheOp() {
        TinyTrace t = new TinyTrace();
        int pinned = t.pinned("cache", 2 * MB);
        int x = t.allocated("x", MB, TensorKind.ACTIVATION);
        t.op("use", MS, ids(pinned), ids(), ids()).op("big", MS, ids(), ids(x), ids(x));
        Workload w = t.workload();
        TeraioException e = assertThrows(TeraioException.class,
                () -> new TeraioPolicy().plan(w, TinyTrace.hardware(5 * MB / 2, 1, 1_000_000_000L, 0)));
        assertTrue(e.getMessage().startsWith("op 1 (big) cannot fit in device memory even with every idle tensor"
                + " offloaded: it needs 976.56 KiB resident and 1.91 MiB more cannot leave the device there"),
                e.getMessage());
    }

    /**
     * Two embedding-like tables, each used in the forward pass and again by its update at the
     * end of the iteration: 2 MB resident across the iteration boundary on a 1.5 MB device.
     */
    private static Workload tablesOverTheBoundary() {
        TinyTrace t = new TinyTrace();
        int a = t.persistent("emb0", MB, TensorKind.PARAMETER);
        int b = t.persistent("emb1", MB, TensorKind.PARAMETER);
        t.op("lookup0", MS, ids(a), ids(), ids()).op("lookup1", MS, ids(b), ids(), ids())
                .op("mlp", 4 * MS, ids(), ids(), ids()).op("mlp", 4 * MS, ids(), ids(), ids())
                .op("update0", MS, ids(a), ids(), ids()).op("update1", MS, ids(b), ids(), ids());
        return t.workload();
    }

    @Test
    void tensorsResidentAcrossTheBoundaryAreKeptOutWhenTheyDoNotFitThere() {
        Workload w = tablesOverTheBoundary();
        HardwareProfile hw = TinyTrace.hardware(3 * MB / 2, 1, 1_000_000_000L, 0);
        List<PlanEntry> entries = new TeraioPolicy().plan(w, hw);
        assertTrue(!StartState.of(entries).kept().isEmpty(), entries::toString);
        // 2 MB resident from the start, at most 1.5 MB of it on the device when the iteration starts
        assertTrue(Simulator.startBytes(w, entries) <= hw.device().memoryBytes(), entries::toString);
        assertEquals(2 * MB, Simulator.startBytes(w, List.of()));
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertTrue(r.ran(), r.outOfMemory());
        assertTrue(r.prediction().peakDeviceBytes() <= hw.device().memoryBytes());
    }

    @Test
    void withNowhereToPutTheTablesItNamesTheOpInsteadOfReturningAPlanThatCannotRun() {
        Workload w = tablesOverTheBoundary();
        // No SSD, and host memory too small for either table.
        TeraioException e = assertThrows(TeraioException.class,
                () -> new TeraioPolicy().plan(w, TinyTrace.hardware(3 * MB / 2, 0, 1, MB / 2)));
        assertEquals("teraio: op 0 (lookup0) cannot fit in device memory: 1.91 MiB stay resident there, more than"
                + " the device's 1.43 MiB, because there is no SSD, and host memory (488.28 KiB) holds no more of the"
                + " tensors idle there", e.getMessage());
    }

    @Test
    void anSsdWhoseRequestsNeverCompleteIsNamedInsteadOfReturningAPlanThatCannotRun() {
        Workload w = tablesOverTheBoundary();
        HardwareProfile hw = new HardwareProfile(List.of(new Device(0, 3 * MB / 2, 10_000_000_000L)),
                List.of(new Ssd(0, null, 1_000_000_000L, 1_000_000_000L, Long.MAX_VALUE, -1)), 0);
        TeraioException e = assertThrows(TeraioException.class, () -> new TeraioPolicy().plan(w, hw));
        assertTrue(e.getMessage().startsWith("teraio: op ") && e.getMessage().contains("cannot fit in device memory")
                && e.getMessage().contains("because the SSDs (latency 9223372036.85 s) and host memory (0 B) take no"
                + " more of the tensors idle there"), e.getMessage());
    }

    @ParameterizedTest(name = "seed {0}, {1}x, {2} SSDs, host {3} MiB")
    @CsvSource({"1, 2, 2, 0", "1, 3, 2, 512", "2, 4, 2, 0", "2, 5, 1, 256", "3, 6, 2, 0", "3, 6, 0, 4096",
                "4, 2, 4, 0", "5, 3, 1, 0"})
    void generatedTrainingFitsUnderCapacity(long seed, double oversubscription, int ssds, long hostMiB) {
        Workload w = TrainingTraces.transformer(6, 16 * MB, 8 * MB, 10 * MS, seed);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, oversubscription, ssds, hostMiB << 20);
        GreedyState state = new TeraioPolicy().run(w, hw);
        ModelOutcome outcome = state.outcome();
        assertEquals(0, outcome.overflowNs(), outcome::toString);
        assertTrue(outcome.peakBytes() <= hw.device().memoryBytes());
        List<PlanEntry> entries = state.entries();
        List<PlanChecks.Pair> pairs = PlanChecks.assertFollowsSemantics(w, hw, entries);
        if (outcome.stallNs() == 0) {
            PlanChecks.assertFitsWithoutContention(w, hw, pairs);
        }
        SimulationResult r = PlanChecks.simulateCleanly(w, hw, entries);
        assertTrue(r.ran(), r.outOfMemory());
        assertTrue(r.prediction().peakDeviceBytes() <= hw.device().memoryBytes());
    }

    @Test
    void theToleranceMustBeAFraction() {
        assertThrows(IllegalArgumentException.class, () -> new TeraioPolicy(1.0));
        assertThrows(IllegalArgumentException.class, () -> new TeraioPolicy(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new TeraioPolicy(Double.NaN));
    }
}
