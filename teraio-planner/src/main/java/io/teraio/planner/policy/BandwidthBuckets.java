package io.teraio.planner.policy;

/**
 * The bandwidth that planned migrations have not claimed yet, per op (G10's buckets), with
 * fast fill queries.
 *
 * <p>Each SSD has a write and a read channel; device 0's PCIe link has one channel per
 * direction, shared by all SSDs and host memory. Op {@code k}'s bucket on a channel holds
 * {@code bandwidth x durationNs(k)} bytes. An SSD transfer moves through its SSD channel and
 * the PCIe channel of its direction at once, so what it can use of bucket {@code k} is the
 * smaller of the two; a host transfer uses PCIe only. For each option and direction a
 * {@link Fenwick} tree holds that usable amount per op, so that "where does a transfer of
 * b bytes started at op a end" (filling forward) and "where must a transfer of b bytes due at
 * op d start" (filling backward) take O(log n), and claiming a transfer touches only the
 * buckets it fills, each in O(options x log n).
 *
 * <p>Ranges are half-open on the unrolled timeline {@code 0..2n-1}: position {@code n + k}
 * is op {@code k} of the next iteration, so a range may wrap past the iteration's end (it
 * spans at most {@code n} positions).
 */
final class BandwidthBuckets {
    private final int n;
    private final int ssdCount;
    private final long[][] pcieFree;
    private final long[][][] ssdFree;
    /** [option][dir]: the usable free bytes per op. */
    private final Fenwick[][] usable;
    private final long[] before;

    BandwidthBuckets(CostModel model) {
        n = model.opCount();
        ssdCount = model.ssdCount();
        pcieFree = new long[2][n];
        ssdFree = new long[ssdCount][2][n];
        for (int dir = 0; dir < 2; dir++) {
            for (int k = 0; k < n; k++) {
                pcieFree[dir][k] = model.bucketCapacity(model.pcieBytesPerSecond(), k);
                for (int s = 0; s < ssdCount; s++) {
                    ssdFree[s][dir][k] = model.bucketCapacity(model.ssdRate(s, dir), k);
                }
            }
        }
        usable = new Fenwick[ssdCount + 1][2];
        for (int option = 0; option <= ssdCount; option++) {
            for (int dir = 0; dir < 2; dir++) {
                long[] values = new long[n];
                for (int k = 0; k < n; k++) {
                    values[k] = usable(option, dir, k);
                }
                usable[option][dir] = new Fenwick(values);
            }
        }
        before = new long[ssdCount + 1];
    }

    private long usable(int option, int dir, int k) {
        return option == ssdCount ? pcieFree[dir][k] : Math.min(ssdFree[option][dir][k], pcieFree[dir][k]);
    }

    /** Free bytes {@code option} can use in {@code [from, to)}. */
    long free(int option, int dir, int from, int to) {
        Fenwick f = usable[option][dir];
        if (to <= n) {
            return f.sum(from, to);
        }
        if (from >= n) {
            return f.sum(from - n, to - n);
        }
        return f.sum(from, n) + f.sum(0, to - n);
    }

    /**
     * A transfer of {@code bytes} started at {@code from}, using the free bandwidth forward:
     * the position of the bucket its last byte lands in, or -1 if {@code [from, to)} lacks room.
     */
    int fillForward(int option, int dir, int from, int to, long bytes) {
        Fenwick f = usable[option][dir];
        if (to <= n) {
            return forwardIn(f, from, to, bytes, 0);
        }
        if (from >= n) {
            return forwardIn(f, from - n, to - n, bytes, n);
        }
        long first = f.sum(from, n);
        return first >= bytes ? forwardIn(f, from, n, bytes, 0) : forwardIn(f, 0, to - n, bytes - first, n);
    }

    private static int forwardIn(Fenwick f, int from, int to, long bytes, int offset) {
        long base = f.prefix(from);
        if (f.prefix(to) - base < bytes) {
            return -1;
        }
        return f.lowerBound(base + bytes) + offset;
    }

    /**
     * A transfer of {@code bytes} due by {@code to}, using the free bandwidth backward: the
     * position of the bucket its first byte lands in, or -1 if {@code [from, to)} lacks room.
     */
    int fillBackward(int option, int dir, int from, int to, long bytes) {
        Fenwick f = usable[option][dir];
        if (to <= n) {
            return backwardIn(f, from, to, bytes, 0);
        }
        if (from >= n) {
            return backwardIn(f, from - n, to - n, bytes, n);
        }
        long second = f.sum(0, to - n);
        return second >= bytes ? backwardIn(f, 0, to - n, bytes, n) : backwardIn(f, from, n, bytes - second, 0);
    }

    private static int backwardIn(Fenwick f, int from, int to, long bytes, int offset) {
        long end = f.prefix(to);
        if (end - f.prefix(from) < bytes) {
            return -1;
        }
        return f.lowerBound(end - bytes + 1) + offset;
    }

    /**
     * Claims up to {@code bytes} of free bandwidth in {@code [from, to)}, earliest first, and
     * records each bucket's share in {@code log}; returns the bytes claimed.
     */
    long claimForward(int option, int dir, int from, int to, long bytes, ClaimLog log) {
        if (to <= n) {
            return claimForwardIn(option, dir, from, to, bytes, log, 0);
        }
        if (from >= n) {
            return claimForwardIn(option, dir, from - n, to - n, bytes, log, n);
        }
        long claimed = claimForwardIn(option, dir, from, n, bytes, log, 0);
        return claimed + claimForwardIn(option, dir, 0, to - n, bytes - claimed, log, n);
    }

    private long claimForwardIn(int option, int dir, int from, int to, long bytes, ClaimLog log, int offset) {
        Fenwick f = usable[option][dir];
        long need = bytes;
        int pos = from;
        while (need > 0 && pos < to) {
            long base = f.prefix(pos);
            if (f.prefix(to) == base) {
                break;
            }
            int k = f.lowerBound(base + 1);
            long taken = take(option, dir, k, need);
            log.add(k + offset, taken);
            need -= taken;
            pos = k + 1;
        }
        return bytes - need;
    }

    /**
     * Claims up to {@code bytes} of free bandwidth in {@code [from, to)}, latest first, and
     * records each bucket's share in {@code log}; returns the bytes claimed.
     */
    long claimBackward(int option, int dir, int from, int to, long bytes, ClaimLog log) {
        if (to <= n) {
            return claimBackwardIn(option, dir, from, to, bytes, log, 0);
        }
        if (from >= n) {
            return claimBackwardIn(option, dir, from - n, to - n, bytes, log, n);
        }
        long claimed = claimBackwardIn(option, dir, 0, to - n, bytes, log, n);
        return claimed + claimBackwardIn(option, dir, from, n, bytes - claimed, log, 0);
    }

    private long claimBackwardIn(int option, int dir, int from, int to, long bytes, ClaimLog log, int offset) {
        Fenwick f = usable[option][dir];
        long need = bytes;
        int pos = to;
        while (need > 0 && pos > from) {
            long upTo = f.prefix(pos);
            if (upTo == f.prefix(from)) {
                break;
            }
            int k = f.lowerBound(upTo);
            long taken = take(option, dir, k, need);
            log.add(k + offset, taken);
            need -= taken;
            pos = k;
        }
        return bytes - need;
    }

    /** Takes up to {@code bytes} from op {@code k}'s bucket for {@code option}; returns what it took. */
    private long take(int option, int dir, int k, long bytes) {
        for (int o = 0; o <= ssdCount; o++) {
            before[o] = usable(o, dir, k);
        }
        long taken = Math.min(before[option], bytes);
        pcieFree[dir][k] -= taken;
        if (option < ssdCount) {
            ssdFree[option][dir][k] -= taken;
        }
        for (int o = 0; o <= ssdCount; o++) {
            long delta = usable(o, dir, k) - before[o];
            if (delta != 0) {
                usable[o][dir].add(k, delta);
            }
        }
        return taken;
    }
}
