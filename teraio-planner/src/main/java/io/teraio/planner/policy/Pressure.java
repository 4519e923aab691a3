package io.teraio.planner.policy;

/**
 * The planned device memory M'[k] per op, against the capacity. Ranges are half-open on the
 * unrolled timeline {@code 0..2n-1} (position {@code n + k} is op {@code k} again), spanning
 * at most {@code n} positions; results that are positions are unrolled the same way.
 */
interface Pressure {
    /** The largest M' over the iteration. */
    long max();

    /** The largest M' in {@code [from, to)}, or {@link Long#MIN_VALUE} if the range is empty. */
    long max(int from, int to);

    /** The sum of op weights over the ops in {@code [from, to)} whose M' exceeds the capacity. */
    long overWeight(int from, int to);

    /** The first position in {@code [from, to)} whose M' exceeds the capacity, or -1. */
    int firstOver(int from, int to);

    /** The last position in {@code [from, to)} whose M' exceeds the capacity, or -1. */
    int lastOver(int from, int to);

    /**
     * Adds {@code delta} to M' over {@code [from, to)}. A positive delta must not lift any op of
     * the range above the capacity.
     */
    void add(int from, int to, long delta);

    /** The sum of op weights over all ops whose M' exceeds the capacity. */
    default long overWeight() {
        return overWeight(0, opCount());
    }

    int opCount();
}
