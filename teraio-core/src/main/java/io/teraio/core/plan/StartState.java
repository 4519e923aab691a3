package io.teraio.core.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state a plan assumes at the start of an iteration: which tensors it keeps offloaded
 * across the iteration boundary. A tensor's entries are ordered by {@code issueAtOp}, list
 * order within an op; when its last entry is an offload, or a prefetch that wraps into the
 * next iteration ({@code issueAtOp > deadlineOp}), the tensor is out when an iteration
 * starts. The simulator starts its first iteration in this state, and the plan runtime puts
 * it into effect before the first iteration it applies a plan to (docs/simulator.md, "The
 * first iteration"), so the two agree on where every tensor is.
 *
 * <p>This is a rule over the entries alone: only a tensor that really is resident across
 * the iteration boundary (persistent, or resident from the start and never freed) is kept
 * offloaded, and whoever applies the start state checks that for each tensor listed.
 *
 * @param kept the tensors kept offloaded, by ascending tensor id
 */
public record StartState(List<Kept> kept) {
    /**
     * One tensor kept offloaded across the iteration boundary.
     *
     * @param tensor           its id in the trace
     * @param key              its key
     * @param location         the index of the entry whose target holds its bytes: its last
     *                         offload, or, without one, its wrapping prefetch
     * @param wrappingPrefetch the index of the wrapping prefetch that brings it back (the copy
     *                         "issued by the iteration before" is issued as the first one
     *                         starts), or -1 when its first entry in the next iteration does
     */
    public record Kept(int tensor, String key, int location, int wrappingPrefetch) {
    }

    public StartState {
        kept = List.copyOf(kept);
    }

    /** The start state of a plan's {@code entries}. */
    public static StartState of(List<PlanEntry> entries) {
        Map<Integer, int[]> lastByTensor = new TreeMap<>(); // tensor -> {last entry, last offload}
        for (int i = 0; i < entries.size(); i++) {
            PlanEntry e = entries.get(i);
            int[] last = lastByTensor.computeIfAbsent(e.tensor(), t -> new int[] {-1, -1});
            if (last[0] < 0 || e.issueAtOp() >= entries.get(last[0]).issueAtOp()) {
                last[0] = i;
            }
            if (e.action() == PlanAction.OFFLOAD && (last[1] < 0 || e.issueAtOp() >= entries.get(last[1]).issueAtOp())) {
                last[1] = i;
            }
        }
        List<Kept> kept = new ArrayList<>();
        for (Map.Entry<Integer, int[]> t : lastByTensor.entrySet()) {
            int last = t.getValue()[0];
            PlanEntry e = entries.get(last);
            boolean wraps = e.action() == PlanAction.PREFETCH && e.issueAtOp() > e.deadlineOp();
            if (e.action() == PlanAction.OFFLOAD || wraps) {
                int offload = t.getValue()[1];
                kept.add(new Kept(t.getKey(), e.key(), offload >= 0 ? offload : last, wraps ? last : -1));
            }
        }
        return new StartState(kept);
    }
}
