package io.teraio.planner.policy;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import java.util.List;

/**
 * The TERAIO paper's planner (arXiv 2506.06472, Algorithm 1), as a baseline: while the
 * planned memory M' exceeds the capacity somewhere, score every remaining inactive period
 * (benefit: its bytes times the time over capacity it would be absent for, given the
 * bandwidth already claimed; cost: its offload plus prefetch time), move the best one, claim
 * its bandwidth and subtract it from M'. SSDs first; host memory only for a period no SSD has
 * the bandwidth for, within the host memory cap. It stops when M' fits, or when no period
 * can be moved on time any more: the plan then leaves some ops over capacity.
 *
 * <p>Like the paper it rescans all remaining periods for every pick, so it takes
 * O(picks x (ops + periods)) time. Two things keep that within minutes on a 50k-op trace
 * without changing which period is picked: a period's score is first bounded by counting
 * its whole idle range (O(1) from prefix sums of M' rebuilt once per pick), and only
 * periods whose bound beats the best score found so far get their bandwidth fills computed;
 * the fills use the shared {@link BandwidthBuckets} index (O(log n)) instead of walking the
 * buckets. A period that can relieve no op over capacity is dropped for good (M' only
 * falls, so it never could again).
 */
public final class TeraioPaperPolicy implements Policy {
    public static final String NAME = "teraio-paper";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PlanEntry> plan(Workload workload, HardwareProfile hardware) {
        return run(workload, hardware).entries();
    }

    /** Plans and returns the planner's final state (for its model outcome). */
    GreedyState run(Workload workload, HardwareProfile hardware) {
        CostModel model = new CostModel(workload, hardware);
        Periods.requireFits(workload, model.capacityBytes());
        Periods periods = Periods.of(workload, t -> true);
        GreedyState state = new GreedyState(model, periods, false);
        GreedyState.Options rule = GreedyState.Options.SSD_FIRST;
        int[] remaining = new int[periods.size()];
        int size = 0;
        for (int p = 0; p < periods.size(); p++) {
            remaining[size++] = p;
        }
        while (state.overCapacity()) {
            Move best = null;
            int kept = 0;
            for (int i = 0; i < size; i++) {
                int p = remaining[i];
                double bound = state.upperBound(p);
                if (bound == 0) {
                    continue;
                }
                remaining[kept++] = p;
                if (best != null && bound <= best.score()) {
                    continue;
                }
                Move move = state.onTime(p, rule);
                if (move != null && move.score() > 0 && (best == null || move.score() > best.score())) {
                    best = move;
                }
            }
            size = kept;
            if (best == null) {
                break;
            }
            state.commit(best);
            size = without(remaining, size, best.period());
        }
        return state;
    }

    private static int without(int[] items, int size, int item) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (items[i] != item) {
                items[kept++] = items[i];
            }
        }
        return kept;
    }
}
