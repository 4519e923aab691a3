package io.teraio.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanShiftTest {
    private static PlanEntry entry(String key, PlanAction action, int issue, int deadline) {
        return new PlanEntry(1, key, action, PlanTarget.SSD, 0, issue, deadline, false);
    }

    @Test
    void entriesFollowTheirTensorsUseAndWrapAroundTheIteration() {
        // w.m is used at op 30 in the profile and at op 34 now; v.m at op 34 then, 26 now
        List<PlanEntry> plan = List.of(
                entry("w.m", PlanAction.OFFLOAD, 31, 5),
                entry("w.m", PlanAction.PREFETCH, 25, 30),
                entry("v.m", PlanAction.OFFLOAD, 35, 10),
                entry("v.m", PlanAction.PREFETCH, 30, 34));
        List<PlanEntry> moved = PlanShift.follow(plan, Map.of("w.m", 30, "v.m", 34), Map.of("w.m", 34, "v.m", 26), 40);
        assertEquals(entry("w.m", PlanAction.OFFLOAD, 35, 9), moved.get(0));
        assertEquals(entry("w.m", PlanAction.PREFETCH, 29, 34), moved.get(1), "due at the new use");
        assertEquals(entry("v.m", PlanAction.OFFLOAD, 27, 2), moved.get(2));
        assertEquals(entry("v.m", PlanAction.PREFETCH, 22, 26), moved.get(3), "due at the new use");
    }

    @Test
    void withoutBothUsesNothingMoves() {
        PlanEntry e = entry("w.m", PlanAction.OFFLOAD, 31, 5);
        assertSame(e, PlanShift.follow(List.of(e), null, Map.of("w.m", 3), 40).get(0));
        assertSame(e, PlanShift.follow(List.of(e), Map.of("w.m", 30), Map.of(), 40).get(0));
        assertSame(e, PlanShift.follow(List.of(e), Map.of("w.m", 30), Map.of("w.m", 30), 40).get(0));
    }
}
