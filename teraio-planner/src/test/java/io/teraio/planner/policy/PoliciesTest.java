package io.teraio.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoliciesTest {
    @Test
    void everyPolicyIsFoundByItsName() {
        assertEquals(List.of("none", "zero-infinity", "flashneuron", "teraio-paper", "g10", "teraio"),
                Policies.names());
        for (Policy policy : Policies.all()) {
            assertEquals(policy.name(), Policies.byName(policy.name()).name());
        }
        assertInstanceOf(TeraioPolicy.class, Policies.byName(Policies.DEFAULT));
        assertInstanceOf(ZeroInfinityPolicy.class, Policies.byName(" Zero-Infinity "));
        assertInstanceOf(G10Policy.class, Policies.byName("G10"));
    }

    @Test
    void anUnknownNameListsTheValidOnes() {
        TeraioException e = assertThrows(TeraioException.class, () -> Policies.byName("g11"));
        assertEquals("unknown policy 'g11'; valid policies: none, zero-infinity, flashneuron, teraio-paper, g10,"
                + " teraio",
                e.getMessage());
        assertTrue(assertThrows(TeraioException.class, () -> Policies.byName(null)).getMessage()
                .startsWith("unknown policy 'null'"));
    }

    @Test
    void everyPolicyFollowsThePlanSemantics() {
        Workload w = TrainingTraces.transformer(6, 4 * TinyTrace.MB, 16 * TinyTrace.MB, 40 * TinyTrace.MS, 4);
        for (int ssds = 0; ssds <= 2; ssds += 2) {
            HardwareProfile hw = TrainingTraces.oversubscribed(w, 2, ssds, 1L << 30);
            for (Policy policy : Policies.all()) {
                List<PlanEntry> entries = policy.plan(w, hw);
                PlanChecks.assertFollowsSemantics(w, hw, entries);
                PlanChecks.simulateCleanly(w, hw, entries);
            }
        }
    }

    @Test
    void noneMovesNothingEvenWhenNothingFits() {
        Workload w = TeraioPolicyTest.savedActivation();
        assertEquals(List.of(), new NonePolicy().plan(w, TinyTrace.hardware(1, 1, 1_000_000_000L, 0)));
    }
}
