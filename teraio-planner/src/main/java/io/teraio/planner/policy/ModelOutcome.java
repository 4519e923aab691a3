package io.teraio.planner.policy;

/**
 * What the planning model predicts for a plan (not the simulator's prediction).
 *
 * @param overflowNs the summed weight (duration, at least 1 ns) of the ops whose planned
 *                   memory M' still exceeds the capacity: 0 when the plan fits
 * @param peakBytes  the largest M'
 * @param stallNs    predicted compute stall of the moves forced with stalls
 * @param movedBytes bytes moved per iteration, both directions
 */
record ModelOutcome(long overflowNs, long peakBytes, long stallNs, long movedBytes) {
    /** Whether this outcome is at least as good as {@code other}: fits if it does, then less stall. */
    boolean atLeastAsGoodAs(ModelOutcome other) {
        if (overflowNs != other.overflowNs) {
            return overflowNs < other.overflowNs;
        }
        return stallNs <= other.stallNs;
    }

    /** Strictly better: fits where the other does not, less stall, or as good with fewer bytes moved. */
    boolean betterThan(ModelOutcome other) {
        if (overflowNs != other.overflowNs) {
            return overflowNs < other.overflowNs;
        }
        if (stallNs != other.stallNs) {
            return stallNs < other.stallNs;
        }
        return movedBytes < other.movedBytes;
    }
}
