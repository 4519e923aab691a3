package io.teraio.planner.policy;

/**
 * A Fenwick (binary indexed) tree of non-negative longs: point add, prefix sum and "first
 * index where the prefix sum reaches x" in O(log n).
 */
final class Fenwick {
    private final long[] tree;
    private final int n;
    private final int topBit;

    Fenwick(long[] values) {
        n = values.length;
        tree = new long[n + 1];
        for (int i = 0; i < n; i++) {
            tree[i + 1] += values[i];
            int parent = (i + 1) + ((i + 1) & -(i + 1));
            if (parent <= n) {
                tree[parent] += tree[i + 1];
            }
        }
        topBit = n == 0 ? 0 : Integer.highestOneBit(n);
    }

    void add(int index, long delta) {
        for (int i = index + 1; i <= n; i += i & -i) {
            tree[i] += delta;
        }
    }

    /** The sum of values {@code [0, end)}. */
    long prefix(int end) {
        long sum = 0;
        for (int i = end; i > 0; i -= i & -i) {
            sum += tree[i];
        }
        return sum;
    }

    /** The sum of values {@code [from, to)}. */
    long sum(int from, int to) {
        return prefix(to) - prefix(from);
    }

    /** The smallest index {@code i} with {@code prefix(i + 1) >= target}, or {@code n} if none. */
    int lowerBound(long target) {
        if (target <= 0) {
            return 0;
        }
        int pos = 0;
        long remaining = target;
        for (int step = topBit; step > 0; step >>= 1) {
            int next = pos + step;
            if (next <= n && tree[next] < remaining) {
                pos = next;
                remaining -= tree[next];
            }
        }
        return pos;
    }
}
