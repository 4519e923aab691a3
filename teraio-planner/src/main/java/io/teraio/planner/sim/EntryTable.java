package io.teraio.planner.sim;

import io.teraio.core.TeraioException;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.planner.EntryReferences;
import io.teraio.planner.Workload;
import java.util.Arrays;
import java.util.List;

/**
 * A plan's entries as one device's simulation reads them, in primitive arrays by entry index:
 * the tensor slot, the SSD ({@link TensorPlaces#HOST} for host memory), the deadline, the kind;
 * the entries by issue op and the prefetches by deadline op (both in list order); and, per
 * entry, the latest iteration whose instance is done and the transfer of its latest instance.
 */
final class EntryTable {
    final List<PlanEntry> entries;
    final int[] slot;
    final int[] ssd;
    final int[] deadline;
    final boolean[] offload;
    final boolean[] urgent;
    /** A prefetch issued in one iteration for the next ({@code issueAtOp > deadlineOp}). */
    final boolean[] wrap;
    /** Entries by issue op (CSR): issueOrder[issueStart[k] .. issueStart[k + 1]), in list order. */
    final int[] issueStart;
    final int[] issueOrder;
    /** Prefetch entries by deadline op (CSR). */
    final int[] dueStart;
    final int[] dueOrder;
    /** The latest iteration whose instance of the entry has completed (or did not apply). */
    final int[] doneIter;
    /** The transfer of the entry's latest instance, or -1. */
    final int[] transfer;

    /**
     * @throws TeraioException if an entry names a tensor, op or SSD that does not exist
     */
    EntryTable(Workload w, List<PlanEntry> entries, int ssds) {
        this.entries = entries;
        int n = w.opCount();
        int m = entries.size();
        slot = new int[m];
        ssd = new int[m];
        deadline = new int[m];
        offload = new boolean[m];
        urgent = new boolean[m];
        wrap = new boolean[m];
        int[] issue = new int[m];
        for (int i = 0; i < m; i++) {
            PlanEntry e = entries.get(i);
            String problem = EntryReferences.problem(w, ssds, e);
            if (problem != null) {
                throw new TeraioException(EntryReferences.describe(i, e) + ": " + problem);
            }
            slot[i] = w.trace().slotOf(e.tensor());
            ssd[i] = e.target() == PlanTarget.HOST ? TensorPlaces.HOST : e.ssd();
            issue[i] = e.issueAtOp();
            deadline[i] = e.deadlineOp();
            offload[i] = e.action() == PlanAction.OFFLOAD;
            urgent[i] = e.urgent();
            wrap[i] = !offload[i] && e.issueAtOp() > e.deadlineOp();
        }
        issueStart = new int[n + 1];
        issueOrder = bucketByOp(n, issue, null, issueStart);
        dueStart = new int[n + 1];
        dueOrder = bucketByOp(n, deadline, offload, dueStart);
        doneIter = new int[m];
        Arrays.fill(doneIter, -1);
        transfer = new int[m];
        Arrays.fill(transfer, -1);
    }

    /** How many entries are issued at op k. */
    int issuedAt(int k) {
        return issueStart[k + 1] - issueStart[k];
    }

    /** Stable bucketing of entries by an op index (skipping those where {@code skip} is true). */
    private static int[] bucketByOp(int n, int[] opOf, boolean[] skip, int[] start) {
        int count = 0;
        for (int i = 0; i < opOf.length; i++) {
            if (skip == null || !skip[i]) {
                start[opOf[i] + 1]++;
                count++;
            }
        }
        for (int k = 0; k < n; k++) {
            start[k + 1] += start[k];
        }
        int[] order = new int[count];
        int[] fill = Arrays.copyOf(start, n);
        for (int i = 0; i < opOf.length; i++) {
            if (skip == null || !skip[i]) {
                order[fill[opOf[i]]++] = i;
            }
        }
        return order;
    }
}
