package io.teraio.planner;

import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;

/**
 * What a plan entry refers to (a tensor, ops, an SSD) and how messages name the entry; shared by
 * {@link PlanValidator} and the simulator, which both refuse an entry they cannot even place.
 */
public final class EntryReferences {
    private EntryReferences() {
    }

    /** How messages name an entry: {@code entry 4 (offload of tensor 17 'layers.3.w')}. */
    public static String describe(int index, PlanEntry entry) {
        return "entry " + index + " (" + entry.action().jsonName() + " of tensor " + entry.tensor() + " '"
                + entry.key() + "')";
    }

    /**
     * What makes an entry impossible to even simulate: a tensor that is not in the trace or
     * not in the steady-state iteration, an op outside the iteration, an SSD that does not
     * exist; {@code null} if none of these.
     *
     * @param ssdCount how many SSDs the hardware has
     */
    public static String problem(Workload workload, int ssdCount, PlanEntry entry) {
        int slot = workload.trace().slotOf(entry.tensor());
        int n = workload.opCount();
        if (slot < 0) {
            return "tensor " + entry.tensor() + " is not in the trace";
        }
        if (!workload.inIteration(slot)) {
            return "tensor " + entry.tensor() + " is not used in the steady-state iteration";
        }
        if (entry.issueAtOp() < 0 || entry.issueAtOp() >= n) {
            return "issueAtOp " + entry.issueAtOp() + " is not an op of the iteration (0.." + (n - 1) + ")";
        }
        if (entry.deadlineOp() < 0 || entry.deadlineOp() >= n) {
            return "deadlineOp " + entry.deadlineOp() + " is not an op of the iteration (0.." + (n - 1) + ")";
        }
        if (entry.target() == PlanTarget.SSD && (entry.ssd() < 0 || entry.ssd() >= ssdCount)) {
            return "ssd " + entry.ssd() + " does not exist (" + (ssdCount == 0 ? "the hardware has no SSDs)"
                    : "the hardware's SSDs are 0.." + (ssdCount - 1) + ")");
        }
        return null;
    }
}
