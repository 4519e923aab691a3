package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static io.teraio.planner.policy.TinyTrace.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link GreedyState#inDeadlineOrder}: prefetches put off so that each channel issues them in deadline order. */
class DeadlineOrderTest {
    @Test
    void aPrefetchIssuedBeforeOneDueSoonerIsPutOffToItsIssueAndOneAtItsOwnUseStays() {
        TinyTrace t = new TinyTrace();
        int a = t.persistent("a", 10 * MB, TensorKind.PARAMETER); // used at ops 0 and 6: a period wraps
        int b = t.persistent("b", 10 * MB, TensorKind.PARAMETER); // used at ops 1 and 4
        t.op("use", MS, ids(a), ids(), ids());
        t.op("use", MS, ids(b), ids(), ids());
        t.op("idle", MS, ids(), ids(), ids());
        t.op("idle", MS, ids(), ids(), ids());
        t.op("use", MS, ids(b), ids(), ids());
        t.op("idle", MS, ids(), ids(), ids());
        t.op("use", MS, ids(a), ids(), ids());
        t.op("idle", MS, ids(), ids(), ids());
        Workload w = t.workload();
        HardwareProfile hw = TinyTrace.hardware(40 * MB, 0, 0, 100 * MB);
        CostModel model = CostModel.forPlanning(w, hw, true);
        Periods periods = Periods.of(w, x -> true, true);
        GreedyState state = new GreedyState(model, periods, true);
        int host = model.hostOption();
        // Host prefetches as a greedy might leave them: a's (due at op 6) issued at op 2, before
        // b's (due at op 4) at op 3; a's wrapping period (op 6 to op 0 of the next iteration, 8
        // on the unrolled timeline) prefetched at op 0 itself, its own use (a forced move).
        Move moveA = new Move(period(periods, a, 0), host, 1, 2, 1, 2, 0, 0, 1, 1);
        Move moveB = new Move(period(periods, b, 1), host, 2, 3, 2, 3, 0, 0, 1, 2);
        Move moveC = new Move(period(periods, a, 6), host, 7, 8, 7, 8, 0, 0, 1, 7);

        List<Move> ordered = state.inDeadlineOrder(List.of(moveA, moveB, moveC));

        // by due op as the plan runs: the wrapping one (op 0), b (op 4), a (op 6); a is put off to
        // op 3, after b; the wrapping one, due where it is issued, stays there and holds nothing back
        assertEquals(List.of(moveC.period(), moveB.period(), moveA.period()),
                ordered.stream().map(Move::period).toList());
        assertEquals(moveC, ordered.get(0));
        assertEquals(moveB, ordered.get(1));
        assertEquals(3, ordered.get(2).absentTo());
        assertEquals(3, ordered.get(2).prefetchFrom());
        assertEquals(moveA.absentFrom(), ordered.get(2).absentFrom());
        // and the entries are a valid plan: each prefetch within its period, none overlapping
        PlanChecks.assertFollowsSemantics(w, hw, state.entries(ordered));
    }

    private static int period(Periods periods, int tensor, int lastUse) {
        for (int p = 0; p < periods.size(); p++) {
            if (periods.tensor(p) == tensor && periods.lastUse(p) == lastUse) {
                return p;
            }
        }
        throw new AssertionError("no period of tensor " + tensor + " after op " + lastUse);
    }
}
