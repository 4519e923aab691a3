package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static io.teraio.planner.policy.TinyTrace.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Workload;
import org.junit.jupiter.api.Test;

/** {@link GreedyState.Options#REUSED_ON_HOST}: host memory only for tensors idle twice or more an iteration. */
class ReusedOnHostTest {
    @Test
    void onlyATensorWithTwoPeriodsMayGoToHostMemory() {
        TinyTrace t = new TinyTrace();
        int weight = t.persistent("w", 10 * MB, TensorKind.PARAMETER); // used at ops 0 and 4: two periods
        int state = t.persistent("m", 10 * MB, TensorKind.OPTIMIZER_STATE); // used at op 8 only: one period
        int act = t.allocated("a", 30 * MB, TensorKind.ACTIVATION);
        t.op("fwd", MS, ids(weight), ids(), ids());
        t.op("make", MS, ids(), ids(act), ids());
        t.op("idle", MS, ids(act), ids(), ids());
        t.op("idle", MS, ids(act), ids(), ids());
        t.op("bwd", MS, ids(weight, act), ids(), ids(act));
        t.op("idle", MS, ids(), ids(), ids());
        t.op("idle", MS, ids(), ids(), ids());
        t.op("idle", MS, ids(), ids(), ids());
        t.op("step", MS, ids(state), ids(), ids());
        Workload w = t.workload();
        HardwareProfile hw = TinyTrace.hardware(40 * MB, 1, 1_000_000_000L, 100 * MB);
        CostModel model = CostModel.forPlanning(w, hw);
        Periods periods = Periods.of(w, x -> true);
        int statePeriods = 0;
        for (int p = 0; p < periods.size(); p++) {
            if (periods.tensor(p) == state) {
                statePeriods++;
            }
        }
        assertEquals(1, statePeriods);

        GreedyState all = new GreedyState(model, periods, true);
        GreedyState reused = new GreedyState(model, periods, true);
        reused.hostOnlyForReused();
        int host = model.hostOption();
        boolean weightChecked = false;
        for (int p = 0; p < periods.size(); p++) {
            int tensor = periods.tensor(p);
            if (tensor == state) {
                assertNotNull(all.onTime(p, host), "host memory is open to every tensor under ALL");
                assertNull(reused.onTime(p, host), "state used once a step may not take host memory");
                Move m = reused.onTime(p, GreedyState.Options.REUSED_ON_HOST);
                assertTrue(m == null || !model.isHost(m.option()), "state went to host memory: " + m);
            } else if (tensor == weight && reused.onTime(p, host) != null) {
                weightChecked = true;
            }
        }
        assertTrue(weightChecked, "the weight, idle twice, found no on-time move to host memory");
    }
}
