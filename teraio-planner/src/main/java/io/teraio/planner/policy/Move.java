package io.teraio.planner.policy;

/**
 * One inactive period a greedy planner decided to move: an offload and its prefetch.
 * Positions are on the unrolled timeline (see {@link Periods}).
 *
 * @param period          the period's index in its {@link Periods}
 * @param option          where it goes (an SSD or host memory, see {@link CostModel})
 * @param absentFrom      the first op at which the tensor's memory is free (the offload is done)
 * @param absentTo        the op at which the prefetch is issued and reserves the memory again
 * @param offloadClaimEnd the end of the range the offload claims write bandwidth in
 * @param prefetchFrom    the start of the range the prefetch claims read bandwidth in
 * @param offloadStallNs  predicted compute stall waiting for the offload (0 unless forced)
 * @param prefetchStallNs predicted compute stall waiting for the prefetch (0 unless forced)
 * @param score           the greedy's score when it was evaluated
 * @param needsMemoryAt   the op whose memory need the offload serves (the first op over
 *                        capacity it relieves), set when the move is committed; -1 before
 */
record Move(int period, int option, int absentFrom, int absentTo, int offloadClaimEnd, int prefetchFrom,
            long offloadStallNs, long prefetchStallNs, double score, int needsMemoryAt) {
    Move withNeedsMemoryAt(int op) {
        return new Move(period, option, absentFrom, absentTo, offloadClaimEnd, prefetchFrom, offloadStallNs,
                prefetchStallNs, score, op);
    }

    long stallNs() {
        return offloadStallNs + prefetchStallNs;
    }
}
