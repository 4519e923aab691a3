package io.teraio.planner.policy;

/**
 * {@link Pressure} as a plain array, for {@code teraio-paper}: an add costs the length of its
 * range, and the first query after an add rebuilds the prefix sums of over-capacity weight
 * and the maximum in O(n), as a rescan of M' per pick does.
 */
final class PressureArray implements Pressure {
    private final int n;
    private final long capacity;
    private final long[] weight;
    private final long[] value;
    private final long[] overPrefix;
    private long max;
    private boolean stale = true;

    PressureArray(long[] values, long[] weight, long capacity) {
        this.n = values.length;
        this.capacity = capacity;
        this.weight = weight;
        this.value = values.clone();
        this.overPrefix = new long[n + 1];
    }

    private void refresh() {
        if (!stale) {
            return;
        }
        long m = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            overPrefix[k + 1] = overPrefix[k] + (value[k] > capacity ? weight[k] : 0);
            m = Math.max(m, value[k]);
        }
        max = m;
        stale = false;
    }

    @Override
    public int opCount() {
        return n;
    }

    @Override
    public long max() {
        refresh();
        return max;
    }

    @Override
    public long max(int from, int to) {
        long m = Long.MIN_VALUE;
        for (int p = from; p < to; p++) {
            m = Math.max(m, value[p % n]);
        }
        return m;
    }

    @Override
    public long overWeight(int from, int to) {
        if (from >= to) {
            return 0;
        }
        refresh();
        if (to <= n) {
            return overPrefix[to] - overPrefix[from];
        }
        if (from >= n) {
            return overPrefix[to - n] - overPrefix[from - n];
        }
        return overPrefix[n] - overPrefix[from] + overPrefix[to - n];
    }

    @Override
    public int firstOver(int from, int to) {
        for (int p = from; p < to; p++) {
            if (value[p % n] > capacity) {
                return p;
            }
        }
        return -1;
    }

    @Override
    public int lastOver(int from, int to) {
        for (int p = to - 1; p >= from; p--) {
            if (value[p % n] > capacity) {
                return p;
            }
        }
        return -1;
    }

    @Override
    public void add(int from, int to, long delta) {
        for (int p = from; p < to; p++) {
            value[p % n] += delta;
        }
        stale = true;
    }
}
