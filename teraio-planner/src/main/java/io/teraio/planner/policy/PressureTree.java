package io.teraio.planner.policy;

/**
 * {@link Pressure} as a segment tree over the ops with lazy range add, for {@code teraio}.
 *
 * <p>Each node keeps the largest M' below it, the smallest M' among its ops above the
 * capacity ({@code minOver}) and the summed weight of those ops ({@code overWeight}). A
 * range add that moves no op across the capacity (every over-capacity op stays over:
 * {@code minOver + delta > capacity}; or the node has none) is applied lazily to the whole
 * node; otherwise it descends. The planner only subtracts (and adds back only where the
 * result stays at or under capacity), so each op crosses the capacity at most once and the
 * descents cost O(n log n) over a whole planning run; every other operation is O(log n).
 */
final class PressureTree implements Pressure {
    private static final long NONE = Long.MAX_VALUE;

    private final int n;
    private final long capacity;
    private final long[] weight;
    private final long[] max;
    private final long[] minOver;
    private final long[] overWeight;
    private final long[] lazy;

    PressureTree(long[] values, long[] weight, long capacity) {
        this.n = values.length;
        this.capacity = capacity;
        this.weight = weight;
        int size = 4 * Math.max(1, n);
        max = new long[size];
        minOver = new long[size];
        overWeight = new long[size];
        lazy = new long[size];
        build(1, 0, n, values);
    }

    private void build(int node, int lo, int hi, long[] values) {
        if (hi - lo == 1) {
            setLeaf(node, lo, values[lo]);
            return;
        }
        int mid = (lo + hi) >>> 1;
        build(2 * node, lo, mid, values);
        build(2 * node + 1, mid, hi, values);
        pull(node);
    }

    private void setLeaf(int node, int k, long value) {
        max[node] = value;
        if (value > capacity) {
            minOver[node] = value;
            overWeight[node] = weight[k];
        } else {
            minOver[node] = NONE;
            overWeight[node] = 0;
        }
    }

    private void pull(int node) {
        int l = 2 * node;
        int r = l + 1;
        max[node] = Math.max(max[l], max[r]);
        minOver[node] = Math.min(minOver[l], minOver[r]);
        overWeight[node] = overWeight[l] + overWeight[r];
    }

    private void apply(int node, long delta) {
        max[node] += delta;
        if (minOver[node] != NONE) {
            minOver[node] += delta;
        }
        lazy[node] += delta;
    }

    private void push(int node) {
        if (lazy[node] != 0) {
            apply(2 * node, lazy[node]);
            apply(2 * node + 1, lazy[node]);
            lazy[node] = 0;
        }
    }

    @Override
    public int opCount() {
        return n;
    }

    @Override
    public long max() {
        return max[1];
    }

    @Override
    public long max(int from, int to) {
        if (from >= to) {
            return Long.MIN_VALUE;
        }
        if (to <= n) {
            return max(1, 0, n, from, to);
        }
        if (from >= n) {
            return max(1, 0, n, from - n, to - n);
        }
        return Math.max(max(1, 0, n, from, n), max(1, 0, n, 0, to - n));
    }

    private long max(int node, int lo, int hi, int from, int to) {
        if (to <= lo || hi <= from) {
            return Long.MIN_VALUE;
        }
        if (from <= lo && hi <= to) {
            return max[node];
        }
        push(node);
        int mid = (lo + hi) >>> 1;
        return Math.max(max(2 * node, lo, mid, from, to), max(2 * node + 1, mid, hi, from, to));
    }

    @Override
    public long overWeight(int from, int to) {
        if (from >= to) {
            return 0;
        }
        if (to <= n) {
            return overWeight(1, 0, n, from, to);
        }
        if (from >= n) {
            return overWeight(1, 0, n, from - n, to - n);
        }
        return overWeight(1, 0, n, from, n) + overWeight(1, 0, n, 0, to - n);
    }

    private long overWeight(int node, int lo, int hi, int from, int to) {
        if (to <= lo || hi <= from || overWeight[node] == 0) {
            return 0;
        }
        if (from <= lo && hi <= to) {
            return overWeight[node];
        }
        push(node);
        int mid = (lo + hi) >>> 1;
        return overWeight(2 * node, lo, mid, from, to) + overWeight(2 * node + 1, mid, hi, from, to);
    }

    @Override
    public int firstOver(int from, int to) {
        if (from >= to) {
            return -1;
        }
        if (to <= n) {
            return firstOver(1, 0, n, from, to);
        }
        if (from >= n) {
            int k = firstOver(1, 0, n, from - n, to - n);
            return k < 0 ? -1 : k + n;
        }
        int k = firstOver(1, 0, n, from, n);
        if (k >= 0) {
            return k;
        }
        k = firstOver(1, 0, n, 0, to - n);
        return k < 0 ? -1 : k + n;
    }

    private int firstOver(int node, int lo, int hi, int from, int to) {
        if (to <= lo || hi <= from || max[node] <= capacity) {
            return -1;
        }
        if (hi - lo == 1) {
            return lo;
        }
        push(node);
        int mid = (lo + hi) >>> 1;
        int k = firstOver(2 * node, lo, mid, from, to);
        return k >= 0 ? k : firstOver(2 * node + 1, mid, hi, from, to);
    }

    @Override
    public int lastOver(int from, int to) {
        if (from >= to) {
            return -1;
        }
        if (to <= n) {
            return lastOver(1, 0, n, from, to);
        }
        if (from >= n) {
            int k = lastOver(1, 0, n, from - n, to - n);
            return k < 0 ? -1 : k + n;
        }
        int k = lastOver(1, 0, n, 0, to - n);
        if (k >= 0) {
            return k + n;
        }
        return lastOver(1, 0, n, from, n);
    }

    private int lastOver(int node, int lo, int hi, int from, int to) {
        if (to <= lo || hi <= from || max[node] <= capacity) {
            return -1;
        }
        if (hi - lo == 1) {
            return lo;
        }
        push(node);
        int mid = (lo + hi) >>> 1;
        int k = lastOver(2 * node + 1, mid, hi, from, to);
        return k >= 0 ? k : lastOver(2 * node, lo, mid, from, to);
    }

    @Override
    public void add(int from, int to, long delta) {
        if (from >= to || delta == 0) {
            return;
        }
        if (to <= n) {
            add(1, 0, n, from, to, delta);
        } else if (from >= n) {
            add(1, 0, n, from - n, to - n, delta);
        } else {
            add(1, 0, n, from, n, delta);
            add(1, 0, n, 0, to - n, delta);
        }
    }

    /** Whether adding {@code delta} to every op below {@code node} moves none across the capacity. */
    private boolean staysOnItsSide(int node, long delta) {
        if (delta < 0) {
            return minOver[node] == NONE || minOver[node] + delta > capacity;
        }
        return minOver[node] == NONE && max[node] + delta <= capacity;
    }

    private void add(int node, int lo, int hi, int from, int to, long delta) {
        if (to <= lo || hi <= from) {
            return;
        }
        if (from <= lo && hi <= to && staysOnItsSide(node, delta)) {
            apply(node, delta);
            return;
        }
        if (hi - lo == 1) {
            setLeaf(node, lo, max[node] + delta);
            return;
        }
        push(node);
        int mid = (lo + hi) >>> 1;
        add(2 * node, lo, mid, from, to, delta);
        add(2 * node + 1, mid, hi, from, to, delta);
        pull(node);
    }
}
