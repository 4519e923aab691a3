package io.teraio.planner.policy;

/**
 * One direction of G10's per-kernel bandwidth estimate (G10, {@code src/analysis.cc}:
 * {@code kernel_BW_buffer}): per op a capacity (bytes the channel moves during the op), the
 * bytes claimed so far and a {@code full} flag, set by G10's claims and never cleared. A full
 * bucket offers nothing; any other offers its capacity less its claims.
 *
 * <p>G10 walks the buckets one by one; here a {@link Fenwick} tree of what each bucket offers
 * answers its fills in O(log n), and a skip list of full buckets (union-find with path
 * compression) lets claims pass over them, with the same results.
 */
final class G10Channel {
    private final int n;
    private final long[] capacity;
    private final long[] claimed;
    private final boolean[] full;
    private final Fenwick offered;
    /** {@code next[k]}: a bucket at or after {@code k} that may not be full (path-compressed); n at the end. */
    private final int[] next;

    /** A channel of {@code bytesPerSecond} over ops of {@code durationNs}. */
    G10Channel(long bytesPerSecond, long[] durationNs) {
        n = durationNs.length;
        capacity = new long[n];
        for (int k = 0; k < n; k++) {
            capacity[k] = (long) (bytesPerSecond * (double) durationNs[k] / 1e9);
        }
        claimed = new long[n];
        full = new boolean[n];
        offered = new Fenwick(capacity);
        next = new int[n + 1];
        for (int k = 0; k <= n; k++) {
            next[k] = k;
        }
    }

    long capacity(int k) {
        return capacity[k];
    }

    long claimed(int k) {
        return claimed[k];
    }

    boolean full(int k) {
        return full[k];
    }

    /** What bucket {@code k} offers: nothing when full, else its capacity less its claims. */
    long offers(int k) {
        return full[k] ? 0 : Math.max(0, capacity[k] - claimed[k]);
    }

    /**
     * G10's {@code *_BWgiveIndx} forward: the first bucket from {@code from} by which the buckets
     * from {@code from} on offer {@code bytes}; the last bucket if they never do; {@code from}
     * itself for nothing to move.
     */
    int forward(long bytes, int from) {
        if (bytes <= 0) {
            return from;
        }
        int k = offered.lowerBound(offered.prefix(from) + bytes);
        return Math.min(k, n - 1);
    }

    /**
     * G10's backward fill from a deadline: the last bucket before {@code before} from which the
     * buckets up to {@code before - 1} offer {@code bytes}; bucket 0 if they never do;
     * {@code before - 1} for nothing to move.
     */
    int backward(long bytes, int before) {
        if (bytes <= 0) {
            return before - 1;
        }
        long end = offered.prefix(before);
        if (end < bytes) {
            return 0;
        }
        // the last k with sum [k, before) >= bytes, i.e. prefix(k) <= end - bytes: the first bucket
        // whose prefix sum passes end - bytes
        return offered.lowerBound(end - bytes + 1);
    }

    /** G10's {@code gpu2ssd_BWcheck}: whether some bucket in {@code [from, to)} is not full. */
    boolean anyNotFull(int from, int to) {
        return from < to && nextNotFull(from) < to;
    }

    private int nextNotFull(int k) {
        int root = k;
        while (next[root] != root) {
            root = next[root];
        }
        while (next[k] != root) {
            int up = next[k];
            next[k] = root;
            k = up;
        }
        return root;
    }

    void addClaim(int k, long bytes) {
        long before = offers(k);
        claimed[k] += bytes;
        offered.add(k, offers(k) - before);
    }

    void setClaim(int k, long bytes) {
        long before = offers(k);
        claimed[k] = bytes;
        offered.add(k, offers(k) - before);
    }

    void markFull(int k) {
        long before = offers(k);
        full[k] = true;
        next[k] = k + 1;
        offered.add(k, -before);
    }

    /**
     * G10's claim of a transfer through a storage channel ({@code gpu2ssd_BWsim},
     * {@code ssd2gpu_BWsim}): from bucket {@code from} on, each bucket that is not full takes
     * what it has left, and the link in the same direction ({@code link}) is charged the same
     * bytes; a bucket that runs out is marked full (as is the link's when its claims reach its
     * capacity). It stops when the bytes are placed or at the last bucket.
     */
    void claimStorage(long bytes, int from, G10Channel link) {
        long rest = bytes;
        for (int k = nextNotFull(from); k < n && rest > 0; k = nextNotFull(k + 1)) {
            long left = capacity[k] - claimed[k];
            if (rest + claimed[k] > capacity[k]) {
                rest -= left;
                link.charge(k, left);
                setClaim(k, capacity[k]);
                markFull(k);
            } else {
                addClaim(k, rest);
                link.charge(k, rest);
                rest = 0;
            }
        }
    }

    /** Adds {@code bytes} to bucket {@code k}'s claims, marking it full once they reach its capacity. */
    private void charge(int k, long bytes) {
        addClaim(k, bytes);
        if (claimed[k] >= capacity[k]) {
            markFull(k);
        }
    }

    /**
     * G10's claim of a transfer to or from host memory over this link ({@code gpu2pcie_BWsim},
     * {@code pcie2gpu_BWsim}): a bucket that runs out is marked full and so is the storage
     * channel's ({@code storage}); otherwise, once the link's claims pass its capacity less the
     * storage channel's, the storage channel is charged the excess (all of it again at each
     * claim, as G10 does) and marked full when that reaches its capacity.
     */
    void claimLink(long bytes, int from, G10Channel storage) {
        long rest = bytes;
        for (int k = nextNotFull(from); k < n && rest > 0; k = nextNotFull(k + 1)) {
            long left = capacity[k] - claimed[k];
            if (rest + claimed[k] > capacity[k]) {
                rest -= left;
                setClaim(k, capacity[k]);
                markFull(k);
                storage.setClaim(k, storage.capacity[k]);
                if (!storage.full[k]) {
                    storage.markFull(k);
                }
            } else {
                addClaim(k, rest);
                long shared = capacity[k] - storage.capacity[k];
                if (claimed[k] >= shared && !storage.full[k]) {
                    storage.addClaim(k, claimed[k] - shared);
                    if (storage.claimed[k] >= storage.capacity[k]) {
                        storage.setClaim(k, storage.capacity[k]);
                        storage.markFull(k);
                    }
                }
                rest = 0;
            }
        }
    }
}
