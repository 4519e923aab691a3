package io.teraio.agent.internal;

import io.teraio.core.plan.PlanEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Moves a plan's entries from the op order of the run it was made for to this run's: each
 * entry moves by the distance from its tensor's first use in the profiled iteration to its
 * first use now, modulo the iteration (an entry may come to wrap into the next iteration, or
 * stop wrapping, as the executor expects). Distances to the tensor's own use, which decide
 * whether it is back in time, stay as planned.
 */
final class PlanShift {
    private PlanShift() {
    }

    /**
     * @param entries      the plan's entries
     * @param profiledUses each key's first use in the profiled iteration (null: unknown, nothing moves)
     * @param liveUses     each key's first use in this run's iteration
     * @param ops          ops per iteration (the same in both)
     * @return the entries, those whose key has both uses moved
     */
    static List<PlanEntry> follow(List<PlanEntry> entries, Map<String, Integer> profiledUses,
                                  Map<String, Integer> liveUses, int ops) {
        List<PlanEntry> moved = new ArrayList<>(entries.size());
        for (PlanEntry e : entries) {
            Integer from = profiledUses == null ? null : profiledUses.get(e.key());
            Integer to = liveUses.get(e.key());
            int shift = from == null || to == null ? 0 : Math.floorMod(to - from, ops);
            moved.add(shift == 0 ? e : new PlanEntry(e.tensor(), e.key(), e.action(), e.target(), e.ssd(),
                    (e.issueAtOp() + shift) % ops, (e.deadlineOp() + shift) % ops, e.urgent()));
        }
        return moved;
    }
}
