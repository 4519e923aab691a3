package io.teraio.planner.policy;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

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
 * O(picks x (ops + periods)) time. Three things keep that within minutes on a 50k-op trace
 * without changing which period is picked (ties go to the lowest period index, as in a scan
 * in order): a period's score is first bounded by
 * the smaller of its last score (scores only fall: M' only falls and claimed bandwidth only
 * grows; not used for a period last scored on an SSD when host memory may take it next) and
 * its score with its whole idle range counted (O(1) from prefix sums of M' rebuilt once per
 * pick); only periods whose bound beats the best score found so far in
 * the scan get their bandwidth fills computed, and the scan visits the periods in a fixed
 * shuffled order so that it meets good ones early; the fills use the shared
 * {@link BandwidthBuckets} index (O(log n)) instead of walking the buckets. A period that can
 * no longer relieve an op over capacity or fit on time is dropped for good.
 */
public final class TeraioPaperPolicy implements Policy {
    public static final String NAME = "teraio-paper";
    private static final long SHUFFLE_SEED = 0x7e7a10L;

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
        CostModel model = CostModel.forPlanning(workload, hardware);
        Periods periods = Periods.of(workload, t -> true);
        GreedyState state = new GreedyState(model, periods, false);
        GreedyState.Options rule = GreedyState.Options.SSD_FIRST;
        int[] remaining = new int[periods.size()];
        for (int p = 0; p < remaining.length; p++) {
            remaining[p] = p;
        }
        shuffle(remaining);
        // A period's last score bounds its next one, except that a period last moved to an SSD may
        // find host memory next (when no SSD has the bandwidth any more), which may score higher.
        double[] lastScore = new double[periods.size()];
        Arrays.fill(lastScore, Double.POSITIVE_INFINITY);
        boolean hostLater = hardware.hostMemoryBytes() > 0;
        int size = remaining.length;
        while (state.overCapacity()) {
            Move best = null;
            int kept = 0;
            for (int i = 0; i < size; i++) {
                int p = remaining[i];
                double bound = Math.min(lastScore[p], state.upperBound(p));
                if (bound <= 0) {
                    continue;
                }
                remaining[kept++] = p;
                if (best != null && !beats(bound, p, best)) {
                    continue;
                }
                Move move = state.onTime(p, rule);
                lastScore[p] = move == null ? 0
                        : hostLater && !model.isHost(move.option()) ? Double.POSITIVE_INFINITY : move.score();
                if (move != null && move.score() > 0 && (best == null || beats(move.score(), p, best))) {
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

    /** Whether period {@code p} scoring {@code score} beats {@code best}: a higher score, or the same and a lower index. */
    private static boolean beats(double score, int p, Move best) {
        return score > best.score() || score == best.score() && p < best.period();
    }

    /** A fixed-seed shuffle, so that the scan meets good periods early whatever the trace's order. */
    private static void shuffle(int[] items) {
        Random random = new Random(SHUFFLE_SEED);
        for (int i = items.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = items[i];
            items[i] = items[j];
            items[j] = swap;
        }
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
