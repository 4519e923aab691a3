package io.teraio.planner.policy;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * FlashNeuron (FAST'21) as a baseline: only activations move, to SSDs, written after their
 * forward use and read back before their backward use, and only as many as the SSDs can
 * write during the forward pass.
 *
 * <p>The forward pass is taken to end at the op where the most bytes are live (activations
 * pile up until the backward pass starts freeing them); its compute time is the write budget.
 * Each activation (kind {@code activation}, not persistent, offloadable) contributes its
 * longest inactive period that spans that op. Largest idle time first, each is offloaded to
 * the SSD with the least write time so far, if that SSD's cumulative write time (and the
 * PCIe link's) stays within the budget and the move fits on time in the planning model
 * (bandwidth buckets, as {@link GreedyState} models them) and relieves an op over capacity;
 * it stops once the planned memory fits. Activations over the budget are skipped, smaller
 * ones after them may still fit. With no SSD, host memory stands in. When the budget runs
 * out before memory fits, the plan leaves ops over capacity (FlashNeuron would run out of
 * memory).
 */
public final class FlashNeuronPolicy implements Policy {
    public static final String NAME = "flashneuron";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PlanEntry> plan(Workload workload, HardwareProfile hardware) {
        return run(workload, hardware).entries();
    }

    /** Whether FlashNeuron moves tensor {@code t}: activations only. */
    static boolean moves(Workload workload, int t) {
        return !workload.persistent(t) && workload.tensor(t).kind() == TensorKind.ACTIVATION;
    }

    GreedyState run(Workload workload, HardwareProfile hardware) {
        CostModel model = CostModel.forPlanning(workload, hardware);
        Periods periods = Periods.of(workload, t -> moves(workload, t));
        GreedyState state = new GreedyState(model, periods, true);
        int peakOp = peakOp(workload);
        long budgetNs = workload.startNs(peakOp + 1);
        List<Integer> chosen = spanning(periods, workload, peakOp);
        chosen.sort(Comparator.comparingLong((Integer p) -> idleNs(workload, periods, p)).reversed()
                .thenComparing(Comparator.comparingLong((Integer p) -> workload.bytes(periods.tensor(p))).reversed()));
        int options = model.ssdCount() == 0 ? 1 : model.ssdCount();
        long[] writeNs = new long[options];
        long pcieNs = 0;
        for (int p : chosen) {
            if (!state.overCapacity()) {
                break;
            }
            long bytes = workload.bytes(periods.tensor(p));
            int option = model.ssdCount() == 0 ? model.hostOption() : leastBusy(writeNs);
            int slot = model.ssdCount() == 0 ? 0 : option;
            long write = model.transferNs(bytes, option, CostModel.WRITE);
            long pcie = (long) Math.ceil(bytes * 1e9 / model.pcieBytesPerSecond());
            if (writeNs[slot] + write > budgetNs || pcieNs + pcie > budgetNs) {
                continue;
            }
            Move move = state.onTime(p, option);
            if (move == null || move.score() <= 0) {
                continue;
            }
            state.commit(move);
            writeNs[slot] += write;
            pcieNs += pcie;
        }
        return state;
    }

    /** The first op where the most bytes are live: the end of the forward pass. */
    static int peakOp(Workload workload) {
        int peak = 0;
        for (int k = 1; k < workload.opCount(); k++) {
            if (workload.liveBytes(k) > workload.liveBytes(peak)) {
                peak = k;
            }
        }
        return peak;
    }

    /** Per tensor, its longest period that spans op {@code op} (last use at or before it, next use after). */
    private static List<Integer> spanning(Periods periods, Workload workload, int op) {
        List<Integer> result = new ArrayList<>();
        int previousTensor = -1;
        for (int p = 0; p < periods.size(); p++) {
            if (periods.lastUse(p) > op || periods.nextUse(p) <= op) {
                continue;
            }
            int t = periods.tensor(p);
            if (t == previousTensor) {
                int last = result.size() - 1;
                if (idleNs(workload, periods, p) > idleNs(workload, periods, result.get(last))) {
                    result.set(last, p);
                }
            } else {
                result.add(p);
                previousTensor = t;
            }
        }
        return result;
    }

    private static long idleNs(Workload workload, Periods periods, int p) {
        return workload.startNs(periods.nextUse(p)) - workload.startNs(periods.lastUse(p) + 1);
    }

    private static int leastBusy(long[] busyNs) {
        int best = 0;
        for (int i = 1; i < busyNs.length; i++) {
            if (busyNs[i] < busyNs[best]) {
                best = i;
            }
        }
        return best;
    }
}
