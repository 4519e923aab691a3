package io.teraio.planner.policy;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.lifetime.IdleKind;
import io.teraio.core.lifetime.LifetimeModel;
import io.teraio.planner.Workload;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The inactive periods a policy may move, as parallel arrays: those of the iteration's
 * lifetime model ({@link Workload#lifetimes()}) that a move can use. Period {@code p} is tensor
 * {@code tensor(p)} idle between its use at op {@code lastUse(p)} and its next use at
 * {@code nextUse(p)}, on the unrolled timeline: {@code nextUse(p) >= n} means the period
 * wraps into the next iteration (only for tensors that {@link Workload#wraps(int)}), and
 * the next use is op {@code nextUse(p) - n} there. The idle ops are
 * {@code lastUse(p) + 1 .. nextUse(p) - 1}; every period has at least one.
 *
 * <p>Only offloadable tensors of the iteration have periods: the gaps between consecutive
 * ops that need them, plus the wrapping gap of a tensor that wraps. The time before a
 * tensor's first use is not a period (a plan could not bring the tensor back). The time after
 * the last use of a tensor that does not wrap is a <em>tail</em> period only when asked for
 * ({@link #of(Workload, IntPredicate, boolean)}): the tensor is held, unused, until it is freed
 * (a framework that frees a step's arrays only when the step ends, as DJL does), and a move
 * writes it out with no prefetch. Its {@code nextUse} is then the first op at which the tensor
 * is gone: its freeing op plus one, or {@code n} when it is freed at the iteration's end.
 */
final class Periods {
    private final int opCount;
    private int size;
    private int[] tensor = new int[16];
    private int[] lastUse = new int[16];
    private int[] nextUse = new int[16];
    private boolean[] tail = new boolean[16];

    private Periods(int opCount) {
        this.opCount = opCount;
    }

    /** The periods of the tensors {@code include} accepts (and that are offloadable), without tails. */
    static Periods of(Workload workload, IntPredicate include) {
        return of(workload, include, false);
    }

    /**
     * The periods of the tensors {@code include} accepts (and that are offloadable), with tails when
     * {@code tails}: the iteration's idle periods ({@link Workload#lifetimes()}) between uses and
     * across the boundary, and after the last use when {@code tails}, of the tensors it uses.
     */
    static Periods of(Workload workload, IntPredicate include, boolean tails) {
        LifetimeModel lifetimes = workload.lifetimes();
        Periods periods = new Periods(workload.opCount());
        for (int t = 0; t < workload.tensorCount(); t++) {
            if (!lifetimes.inWindow(t) || !workload.offloadable(t) || !include.test(t)
                    || lifetimes.activeOps(t).length == 0) {
                continue;
            }
            for (int p = lifetimes.firstPeriod(t); p < lifetimes.firstPeriod(t + 1); p++) {
                IdleKind kind = lifetimes.idleKind(p);
                if (kind == IdleKind.BETWEEN_USES || kind == IdleKind.ACROSS_BOUNDARY
                        || kind == IdleKind.AFTER_LAST_USE && tails) {
                    periods.add(t, lifetimes.idleFromOp(p) - 1, lifetimes.idleToOp(p) + 1,
                            kind == IdleKind.AFTER_LAST_USE);
                }
            }
        }
        return periods;
    }

    private void add(int t, int from, int to, boolean isTail) {
        if (size == tensor.length) {
            tensor = Arrays.copyOf(tensor, 2 * size);
            lastUse = Arrays.copyOf(lastUse, 2 * size);
            nextUse = Arrays.copyOf(nextUse, 2 * size);
            tail = Arrays.copyOf(tail, 2 * size);
        }
        tensor[size] = t;
        lastUse[size] = from;
        nextUse[size] = to;
        tail[size] = isTail;
        size++;
    }

    int size() {
        return size;
    }

    int tensor(int p) {
        return tensor[p];
    }

    int lastUse(int p) {
        return lastUse[p];
    }

    int nextUse(int p) {
        return nextUse[p];
    }

    /** Whether period {@code p} is a tail: after its tensor's last use, moved with no prefetch. */
    boolean tail(int p) {
        return tail[p];
    }

    int opCount() {
        return opCount;
    }

    /**
     * Throws unless some plan can keep every op under {@code capacityBytes}: at each op, the
     * live bytes minus those of every offloadable tensor idle there (a tensor is idle at an op
     * inside one of its periods, tails included when {@code tails}) must fit.
     *
     * @throws TeraioException naming the first op that cannot fit, what it needs and the capacity
     */
    static void requireFits(Workload workload, long capacityBytes, boolean tails) {
        int n = workload.opCount();
        Periods all = of(workload, t -> true, tails);
        long[] idle = new long[n + 1];
        for (int p = 0; p < all.size; p++) {
            long bytes = workload.bytes(all.tensor[p]);
            int from = all.lastUse[p] + 1;
            int to = all.nextUse[p];
            if (to <= n) {
                idle[from] += bytes;
                idle[to] -= bytes;
            } else if (from >= n) {
                idle[from - n] += bytes;
                idle[to - n] -= bytes;
            } else {
                idle[from] += bytes;
                idle[n] -= bytes;
                idle[0] += bytes;
                idle[to - n] -= bytes;
            }
        }
        long movable = 0;
        for (int k = 0; k < n; k++) {
            movable += idle[k];
            long floor = workload.liveBytes(k) - movable;
            if (floor > capacityBytes) {
                long needed = workload.neededBytes(k);
                throw new TeraioException("op " + k + " (" + workload.opName(k) + ") cannot fit in device memory even"
                        + " with every idle tensor offloaded: it needs " + Units.formatBytes(needed) + " resident"
                        + (floor > needed ? " and " + Units.formatBytes(floor - needed) + " more cannot leave the device"
                        + " there (not offloadable, or not between two uses)" : "")
                        + ", more than the device's " + Units.formatBytes(capacityBytes));
            }
        }
    }
}
