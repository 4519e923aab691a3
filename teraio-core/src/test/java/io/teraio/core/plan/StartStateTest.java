package io.teraio.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The start state's rule, case by case: a tensor is kept offloaded across the iteration
 * boundary when its last entry (by issueAtOp, list order within an op) is an offload or a
 * wrapping prefetch. The simulator and the plan runtime both take it from {@link StartState}.
 */
class StartStateTest {
    private static PlanEntry entry(int tensor, PlanAction action, PlanTarget target, int issueAtOp, int deadlineOp) {
        return new PlanEntry(tensor, "t" + tensor, action, target, target == PlanTarget.SSD ? 0 : -1, issueAtOp,
                deadlineOp, false);
    }

    private static PlanEntry offload(int tensor, int issueAtOp, int deadlineOp) {
        return entry(tensor, PlanAction.OFFLOAD, PlanTarget.SSD, issueAtOp, deadlineOp);
    }

    private static PlanEntry prefetch(int tensor, int issueAtOp, int deadlineOp) {
        return entry(tensor, PlanAction.PREFETCH, PlanTarget.SSD, issueAtOp, deadlineOp);
    }

    @Test
    void eachCase() {
        List<PlanEntry> entries = List.of(
                offload(1, 2, 3), prefetch(1, 5, 0),         // 0, 1: last is a wrapping prefetch
                prefetch(2, 0, 1), offload(2, 4, 5),         // 2, 3: last is an offload
                offload(3, 1, 2), prefetch(3, 3, 4),         // 4, 5: back within the iteration
                offload(4, 2, 3), prefetch(4, 2, 1),         // 6, 7: same op, the prefetch listed last wraps
                prefetch(5, 2, 1), offload(5, 2, 3),         // 8, 9: same op, the offload listed last
                prefetch(6, 6, 2), offload(6, 1, 2),         // 10, 11: listed out of issue order: the prefetch is last
                prefetch(7, 3, 3),                           // 12: a prefetch due at its own op does not wrap
                entry(8, PlanAction.PREFETCH, PlanTarget.HOST, 4, 1)); // 13: wrapping, with no offload: read from its own target
        assertEquals(List.of(
                new StartState.Kept(1, "t1", 0, 1),
                new StartState.Kept(2, "t2", 3, -1),
                new StartState.Kept(4, "t4", 6, 7),
                new StartState.Kept(5, "t5", 9, -1),
                new StartState.Kept(6, "t6", 11, 10),
                new StartState.Kept(8, "t8", 13, 13)), StartState.of(entries).kept());
    }

    @Test
    void anEmptyPlanKeepsNothingOffloaded() {
        assertEquals(List.of(), StartState.of(List.of()).kept());
    }
}
