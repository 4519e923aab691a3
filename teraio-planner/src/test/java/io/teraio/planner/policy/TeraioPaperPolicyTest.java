package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static io.teraio.planner.policy.TinyTrace.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TeraioPaperPolicyTest {
    @Test
    void itMovesTheSameTensorAsTeraioWhenThereIsOneChoice() {
        Workload w = TeraioPolicyTest.savedActivation();
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 2, 1_000_000_000L, 0);
        assertEquals(new TeraioPolicy().plan(w, hw), new TeraioPaperPolicy().plan(w, hw));
    }

    @Test
    void itMovesNoMoreThanTheOverflowNeeds() {
        // Three 1 MB activations idle over ops 3..8; op 5 holds 4 MB with 3.2 MB of memory: one must go.
        TinyTrace t = new TinyTrace();
        int a = t.allocated("a", MB, TensorKind.ACTIVATION);
        int b = t.allocated("b", MB, TensorKind.ACTIVATION);
        int c = t.allocated("c", MB, TensorKind.ACTIVATION);
        int x = t.allocated("x", MB, TensorKind.ACTIVATION);
        t.op("fwd", MS, ids(), ids(a), ids()).op("fwd", MS, ids(), ids(b), ids()).op("fwd", MS, ids(), ids(c), ids())
                .op("idle", MS, ids(), ids(), ids()).op("idle", MS, ids(), ids(), ids())
                .op("big", MS, ids(), ids(x), ids(x)).op("idle", MS, ids(), ids(), ids())
                .op("idle", MS, ids(), ids(), ids()).op("idle", MS, ids(), ids(), ids())
                .op("bwd", MS, ids(a, b, c), ids(), ids(a, b, c));
        Workload w = t.workload();
        HardwareProfile hw = TinyTrace.hardware(32 * MB / 10, 2, 1_000_000_000L, 0);
        GreedyState state = new TeraioPaperPolicy().run(w, hw);
        assertEquals(1, state.moves().size());
        assertEquals(0, state.outcome().overflowNs());
        PlanChecks.assertFitsWithoutContention(w, hw, PlanChecks.assertFollowsSemantics(w, hw, state.entries()));
    }

    @Test
    void whenNothingFitsOnTimeItStopsAndLeavesTheOverflow() {
        Workload w = TeraioPolicyTest.savedActivation();
        HardwareProfile hw = TinyTrace.hardware(5 * MB / 2, 1, 100_000_000L, 0);
        GreedyState state = new TeraioPaperPolicy().run(w, hw);
        assertEquals(List.of(), state.entries());
        assertTrue(state.outcome().overflowNs() > 0);
    }

    @Test
    void hostMemoryOnlyWhenNoSsdHasTheBandwidth() {
        Workload w = TeraioPolicyTest.savedActivation();
        // The SSD is fast enough: it gets the tensor although host memory is faster.
        List<PlanEntry> fast = new TeraioPaperPolicy().plan(w, TinyTrace.hardware(5 * MB / 2, 1, 1_000_000_000L, 10 * MB));
        assertTrue(fast.stream().allMatch(e -> e.target() == PlanTarget.SSD), fast::toString);
        // Too slow: host memory takes it.
        List<PlanEntry> slow = new TeraioPaperPolicy().plan(w, TinyTrace.hardware(5 * MB / 2, 1, 100_000_000L, 10 * MB));
        assertEquals(List.of(PlanAction.OFFLOAD, PlanAction.PREFETCH), slow.stream().map(PlanEntry::action).toList());
        assertTrue(slow.stream().allMatch(e -> e.target() == PlanTarget.HOST), slow::toString);
    }

    @ParameterizedTest(name = "weights {0} MB, forward op {1} ms, seed {2}, {3}x, host {4} MiB")
    @CsvSource({"4, 40, 1, 3, 0", "4, 40, 2, 5, 0", "4, 40, 3, 4, 256", "4, 40, 4, 6, 64", "16, 10, 5, 3, 256",
                "16, 10, 6, 2, 1024"})
    void itPicksWhatAFullRescanPicks(long weightMb, long forwardMs, long seed, double oversubscription, long hostMiB) {
        Workload w = TrainingTraces.transformer(6, weightMb * MB, 16 * MB, forwardMs * MS, seed);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, oversubscription, 1, hostMiB << 20);
        ModelOutcome pruned = new TeraioPaperPolicy().run(w, hw).outcome();
        // Algorithm 1 without shortcuts: score every remaining period, move the best, repeat.
        GreedyState state = new GreedyState(new CostModel(w, hw), Periods.of(w, t -> true), false);
        java.util.Set<Integer> moved = new java.util.HashSet<>();
        while (state.overCapacity()) {
            Move best = null;
            for (int p = 0; p < state.periods().size(); p++) {
                Move m = moved.contains(p) ? null : state.onTime(p, GreedyState.Options.SSD_FIRST);
                if (m != null && m.score() > 0 && (best == null || m.score() > best.score())) {
                    best = m;
                }
            }
            if (best == null) {
                break;
            }
            state.commit(best);
            moved.add(best.period());
        }
        assertEquals(state.outcome(), pruned);
    }

    @ParameterizedTest(name = "seed {0}, {1}x")
    @CsvSource({"1, 2", "1, 4", "2, 3", "2, 6", "3, 5"})
    void generatedTrainingFollowsTheSemantics(long seed, double oversubscription) {
        Workload w = TrainingTraces.transformer(6, 2 * MB, 32 * MB, 20 * MS, seed);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, oversubscription, 2, 0);
        GreedyState state = new TeraioPaperPolicy().run(w, hw);
        assertEquals(0, state.outcome().overflowNs(), state.outcome()::toString);
        List<PlanEntry> entries = state.entries();
        PlanChecks.assertFitsWithoutContention(w, hw, PlanChecks.assertFollowsSemantics(w, hw, entries));
        assertTrue(PlanChecks.simulateCleanly(w, hw, entries).ran());
    }
}
