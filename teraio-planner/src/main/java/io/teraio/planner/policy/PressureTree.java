package io.teraio.planner.policy;

/**
 * {@link Pressure} as a segment tree over the ops with lazy range add, for {@code teraio}.
 *
 * <p>Each node keeps the largest M' below it and the smallest M' among its ops above the
 * capacity ({@code minOver}). A range add that moves no op across the capacity (every
 * over-capacity op stays over: {@code minOver + delta > capacity}; or the node has none) is
 * applied lazily to the whole node; otherwise it descends to the ops that cross. The
 * planner only subtracts (and adds back only where the result stays at or under capacity),
 * so each op crosses the capacity at most once and the descents cost O(n log n) over a whole
 * planning run. The weights of the ops over capacity also live in a {@link Fenwick} tree,
 * updated at each crossing, so that "time over capacity in a range" and "first (last) op over
 * capacity in a range", the queries of every score, are two prefix sums or one search:
 * O(log n) with a small constant.
 */
final class PressureTree implements Pressure {
    private static final long NONE = Long.MAX_VALUE;

    private final int n;
    private final long capacity;
    private final long[] weight;
    private final long[] max;
    private final long[] minOver;
    private final long[] lazy;
    /** The weight of each op over capacity (0 for the others), for fast range sums and searches. */
    private final Fenwick over;

    PressureTree(long[] values, long[] weight, long capacity) {
        this.n = values.length;
        this.capacity = capacity;
        this.weight = weight;
        long[] overValues = new long[n];
        for (int k = 0; k < n; k++) {
            overValues[k] = values[k] > capacity ? weight[k] : 0;
        }
        over = new Fenwick(overValues);
        int size = 4 * Math.max(1, n);
        max = new long[size];
        minOver = new long[size];
        lazy = new long[size];
        build(1, 0, n, values);
    }

    private void build(int node, int lo, int hi, long[] values) {
        if (hi - lo == 1) {
            setLeaf(node, values[lo]);
            return;
        }
        int mid = (lo + hi) >>> 1;
        build(2 * node, lo, mid, values);
        build(2 * node + 1, mid, hi, values);
        pull(node);
    }

    private void setLeaf(int node, long value) {
        max[node] = value;
        if (value > capacity) {
            minOver[node] = value;
        } else {
            minOver[node] = NONE;
        }
    }

    private void pull(int node) {
        int l = 2 * node;
        int r = l + 1;
        max[node] = Math.max(max[l], max[r]);
        minOver[node] = Math.min(minOver[l], minOver[r]);
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
            return over.sum(from, to);
        }
        if (from >= n) {
            return over.sum(from - n, to - n);
        }
        return over.sum(from, n) + over.sum(0, to - n);
    }

    @Override
    public int firstOver(int from, int to) {
        if (from >= to) {
            return -1;
        }
        if (to <= n) {
            return firstOverIn(from, to);
        }
        if (from >= n) {
            int k = firstOverIn(from - n, to - n);
            return k < 0 ? -1 : k + n;
        }
        int k = firstOverIn(from, n);
        if (k >= 0) {
            return k;
        }
        k = firstOverIn(0, to - n);
        return k < 0 ? -1 : k + n;
    }

    /** Ops over capacity have a positive weight in {@code over}: the first is where its prefix sum first grows. */
    private int firstOverIn(int from, int to) {
        long base = over.prefix(from);
        if (over.prefix(to) == base) {
            return -1;
        }
        return over.lowerBound(base + 1);
    }

    @Override
    public int lastOver(int from, int to) {
        if (from >= to) {
            return -1;
        }
        if (to <= n) {
            return lastOverIn(from, to);
        }
        if (from >= n) {
            int k = lastOverIn(from - n, to - n);
            return k < 0 ? -1 : k + n;
        }
        int k = lastOverIn(0, to - n);
        if (k >= 0) {
            return k + n;
        }
        return lastOverIn(from, n);
    }

    private int lastOverIn(int from, int to) {
        long end = over.prefix(to);
        if (end == over.prefix(from)) {
            return -1;
        }
        return over.lowerBound(end);
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
            boolean wasOver = max[node] > capacity;
            setLeaf(node, max[node] + delta);
            boolean isOver = max[node] > capacity;
            if (wasOver != isOver) {
                over.add(lo, isOver ? weight[lo] : -weight[lo]);
            }
            return;
        }
        push(node);
        int mid = (lo + hi) >>> 1;
        add(2 * node, lo, mid, from, to, delta);
        add(2 * node + 1, mid, hi, from, to, delta);
        pull(node);
    }
}
