package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Workload;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ZeroInfinityPolicyTest {
    private static final Set<TensorKind> MODEL_STATES =
            EnumSet.of(TensorKind.PARAMETER, TensorKind.GRADIENT, TensorKind.OPTIMIZER_STATE);

    @Test
    void aLayerIsTheKeyUpToItsFirstNumber() {
        assertEquals("layers.3", ZeroInfinityPolicy.layerOf("layers.3.mlp.up.weight.adam.m"));
        assertEquals("layer0", ZeroInfinityPolicy.layerOf("layer0.qkv.grad"));
        assertEquals("model.layers.12", ZeroInfinityPolicy.layerOf("model.layers.12.self_attn.q_proj.weight"));
        assertEquals("embed.weight", ZeroInfinityPolicy.layerOf("embed.weight"));
    }

    @Test
    void onlyModelStatesMoveStripedOverTheSsds() {
        Workload w = TrainingTraces.transformer(6, 4 * MB, 16 * MB, 40 * MS, 1);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, 2, 3, 0);
        List<PlanEntry> entries = new ZeroInfinityPolicy().plan(w, hw);
        assertFalse(entries.isEmpty());
        PlanChecks.assertFollowsSemantics(w, hw, entries);
        Map<Integer, Integer> ssdOf = new HashMap<>();
        for (PlanEntry e : entries) {
            Tensor t = w.trace().tensor(e.tensor());
            assertTrue(t.persistent() && MODEL_STATES.contains(t.kind()), "moves " + t);
            assertEquals(PlanTarget.SSD, e.target());
            assertEquals(e.ssd(), ssdOf.computeIfAbsent(e.tensor(), id -> e.ssd()), "one SSD per tensor: " + e);
        }
        int[] perSsd = new int[3];
        ssdOf.values().forEach(s -> perSsd[s]++);
        int most = Math.max(perSsd[0], Math.max(perSsd[1], perSsd[2]));
        int least = Math.min(perSsd[0], Math.min(perSsd[1], perSsd[2]));
        assertTrue(most - least <= 1, "not round robin: " + java.util.Arrays.toString(perSsd));
        // A fixed schedule that ignores the capacity: it may run out of memory, but it never breaks the semantics.
        PlanChecks.simulateCleanly(w, hw, entries);
    }

    @Test
    void eachStateIsOffloadedAfterEveryUseAndPrefetchedOneLayerAhead() {
        Workload w = TrainingTraces.transformer(6, 4 * MB, 16 * MB, 40 * MS, 1);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, 2, 1, 0);
        List<PlanEntry> entries = new ZeroInfinityPolicy().plan(w, hw);
        int n = w.opCount();
        for (PlanChecks.Pair pair : PlanChecks.assertFollowsSemantics(w, hw, entries)) {
            int slot = pair.slot();
            // Offloaded right after a use.
            int before = Math.floorMod(pair.offload().issueAtOp() - 1, n);
            assertTrue(uses(w, before, slot), "not offloaded right after a use: " + pair.offload());
            // Prefetched at the first op of another layer's block: that op uses another layer's state.
            String layer = ZeroInfinityPolicy.layerOf(w.tensor(slot).key());
            int at = pair.prefetch().issueAtOp();
            boolean otherLayer = false;
            for (int t : w.needs(at)) {
                otherLayer |= ZeroInfinityPolicy.moves(w, t) && !ZeroInfinityPolicy.layerOf(w.tensor(t).key()).equals(layer);
            }
            assertTrue(otherLayer, "prefetch of " + layer + " not at another layer's op: " + pair.prefetch());
        }
        // Every offloadable model state moves at least once.
        long moved = entries.stream().filter(e -> e.action() == PlanAction.OFFLOAD).map(PlanEntry::tensor).distinct().count();
        long states = w.trace().tensors().stream().filter(t -> t.persistent() && MODEL_STATES.contains(t.kind())).count();
        assertEquals(states, moved);
    }

    @Test
    void withoutSsdsHostMemoryHoldsTheStates() {
        Workload w = TrainingTraces.transformer(4, 4 * MB, 16 * MB, 40 * MS, 2);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, 2, 0, 1L << 30);
        List<PlanEntry> entries = new ZeroInfinityPolicy().plan(w, hw);
        assertFalse(entries.isEmpty());
        assertTrue(entries.stream().allMatch(e -> e.target() == PlanTarget.HOST));
        PlanChecks.assertFollowsSemantics(w, hw, entries);
    }

    @Test
    void theLookaheadMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ZeroInfinityPolicy(0));
    }

    private static boolean uses(Workload w, int op, int slot) {
        for (int t : w.needs(op)) {
            if (t == slot) {
                return true;
            }
        }
        return false;
    }
}
