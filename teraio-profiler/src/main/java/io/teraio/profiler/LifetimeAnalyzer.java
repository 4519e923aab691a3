package io.teraio.profiler;

import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Learns from a trace when each tensor is live, when it is used and how long it sits idle.
 * The rules (also in {@code docs/lifetimes.md}):
 *
 * <ul>
 * <li><b>Live range.</b> A persistent tensor is live at every op. Any other tensor is live
 *     from the op that allocates it (op 0 if none does) through the op that frees it,
 *     inclusive (the last op if none does).
 * <li><b>Active ops.</b> The ops whose {@code uses} list the tensor, plus the op that
 *     allocates it (creating a tensor writes it). The op that frees it is not active unless
 *     it also lists it in {@code uses}.
 * <li><b>Inactive periods</b>, each a maximal run of live ops at which the tensor is not
 *     active. For a non-persistent tensor: the runs between consecutive active ops, the run
 *     after its last active op through its free (or the last op), and, when no op allocates
 *     it and its first use comes after op 0, the run from op 0. For a persistent tensor the
 *     trace is taken as cyclic (training repeats it): the runs between consecutive uses, and
 *     the run after its last use to the end of the trace that continues from op 0 to before
 *     its first use, as one period that {@linkplain InactivePeriod#wraps() wraps} &mdash;
 *     which does not wrap when the first use is op 0 (it ends at the last op) or the last use
 *     is the last op (it starts at op 0). A persistent tensor never used has one period over
 *     all ops. A period's duration is the sum of its idle ops' durations.
 * <li><b>Per op.</b> Live bytes: the sum of the bytes of the tensors live at the op. Active
 *     bytes: the sum of the bytes of the tensors active at it.
 * <li><b>Summary.</b> Total bytes: the sum over all tensors. Peak live bytes and the first
 *     op that reaches them. Mean active fraction: the sum over ops of
 *     {@code durationNs * active / live} divided by the sum of {@code durationNs}, over the
 *     ops with live bytes (the plain mean over those ops when their durations are all 0).
 *     Max active fraction: the largest {@code active / live} of one op. The idle histogram
 *     counts the inactive periods, and sums their bytes, in buckets below 10 µs, 100 µs,
 *     1 ms, 10 ms, 100 ms, 1 s and one unbounded. Idle bytes over 1, 10 and 100 ms: the sum
 *     of the bytes of the tensors that have at least one inactive period strictly longer.
 * </ul>
 *
 * <p>The trace is expected to follow the trace rules (as one from the recorder or the trace
 * reader does). Analysis works on primitive arrays and is linear in the size of the trace.
 */
public final class LifetimeAnalyzer {
    /** The upper bounds of the idle histogram's buckets: 10 µs, 100 µs, 1 ms, 10 ms, 100 ms, 1 s. */
    private static final long[] IDLE_BUCKET_BOUNDS_NS = {
        10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L
    };
    private static final long MS_NS = 1_000_000L;

    private LifetimeAnalyzer() {
    }

    /**
     * Analyzes a trace, in steps: the ops' start times, each tensor's activity ({@link Activity}),
     * each tensor's live range and inactive periods with the idle histogram they fill
     * ({@link IdleTally}), then live and active bytes per op ({@link LiveBytes}).
     *
     * @throws IllegalArgumentException if the trace has no ops or an op names an unknown tensor
     */
    public static Lifetimes analyze(Trace trace) {
        List<Tensor> tensors = trace.tensors();
        int opCount = trace.ops().size();
        if (opCount == 0) {
            throw new IllegalArgumentException("analyze: the trace has no ops");
        }
        long[] bytes = new long[tensors.size()];
        for (int slot = 0; slot < tensors.size(); slot++) {
            bytes[slot] = tensors.get(slot).bytes();
        }
        long[] opStartNs = opStartNs(trace.ops());
        Activity activity = Activity.of(trace, bytes);

        long[] liveDelta = new long[opCount + 1];
        IdleTally idle = new IdleTally();
        List<TensorLifetime> lifetimes = new ArrayList<>(tensors.size());
        for (int slot = 0; slot < tensors.size(); slot++) {
            Tensor tensor = tensors.get(slot);
            int liveFrom = tensor.persistent() || activity.allocOp[slot] < 0 ? 0 : activity.allocOp[slot];
            int liveTo = tensor.persistent() || activity.freeOp[slot] < 0 ? opCount - 1 : activity.freeOp[slot];
            liveDelta[liveFrom] += bytes[slot];
            liveDelta[liveTo + 1] -= bytes[slot];
            List<InactivePeriod> periods = tensor.persistent()
                    ? cyclicPeriods(tensor, activity.activeOps[slot], opStartNs)
                    : linearPeriods(tensor, activity.activeOps[slot], liveFrom, liveTo, opStartNs);
            idle.add(bytes[slot], periods);
            lifetimes.add(new TensorLifetime(tensor.id(), liveFrom, liveTo, activity.activeOps[slot], periods));
        }
        LiveBytes live = LiveBytes.of(liveDelta, activity.activeBytes, opStartNs);

        LifetimeSummary summary = new LifetimeSummary(tensors.size(), opCount, trace.iterations().size(),
                idle.totalBytes, live.liveBytes[live.peakLiveOp], live.peakLiveOp, opStartNs[opCount],
                live.meanActiveFraction, live.maxActiveFraction,
                new IdleHistogram(IDLE_BUCKET_BOUNDS_NS.clone(), idle.counts, idle.bytes),
                idle.bytesOver1ms, idle.bytesOver10ms, idle.bytesOver100ms);
        return new Lifetimes(trace, lifetimes, live.liveBytes, activity.activeBytes, summary);
    }

    /** {@code opStartNs[i]}: the sum of the durations of ops {@code 0..i-1}, for {@code i} up to the op count. */
    private static long[] opStartNs(List<Op> ops) {
        long[] opStartNs = new long[ops.size() + 1];
        for (int i = 0; i < ops.size(); i++) {
            opStartNs[i + 1] = opStartNs[i] + ops.get(i).durationNs();
        }
        return opStartNs;
    }

    /**
     * Who is active where, found in one pass over the ops: each tensor's allocating and freeing
     * op (-1 for none) and its active ops, ascending; each op's active bytes.
     */
    private static final class Activity {
        final int[] allocOp;
        final int[] freeOp;
        final int[][] activeOps;
        final long[] activeBytes;
        // While the ops are read: who is active where, as slots, each once per op.
        private final long[] bytes;
        private final int[] lastActiveOp;
        private final int[] activeCount;
        private final int[] activeSlots;
        private int activity;

        private Activity(Trace trace, long[] bytes) {
            int tensorCount = bytes.length;
            int activityBound = 0;
            for (Op op : trace.ops()) {
                activityBound += op.uses().length + op.allocs().length;
            }
            this.bytes = bytes;
            allocOp = filled(tensorCount, -1);
            freeOp = filled(tensorCount, -1);
            lastActiveOp = filled(tensorCount, -1);
            activeCount = new int[tensorCount];
            activeSlots = new int[activityBound];
            activeBytes = new long[trace.ops().size()];
            activeOps = new int[tensorCount][];
        }

        static Activity of(Trace trace, long[] bytes) {
            List<Op> ops = trace.ops();
            int opCount = ops.size();
            Activity a = new Activity(trace, bytes);
            int[] activeStart = new int[opCount + 1];
            for (int i = 0; i < opCount; i++) {
                Op op = ops.get(i);
                activeStart[i] = a.activity;
                for (int id : op.allocs()) {
                    int slot = slotOf(trace, op, "allocates", id);
                    a.allocOp[slot] = i;
                    a.active(slot, i);
                }
                for (int id : op.uses()) {
                    a.active(slotOf(trace, op, "uses", id), i);
                }
                for (int id : op.frees()) {
                    a.freeOp[slotOf(trace, op, "frees", id)] = i;
                }
            }
            activeStart[opCount] = a.activity;

            // Each tensor's active ops, ascending.
            for (int slot = 0; slot < bytes.length; slot++) {
                a.activeOps[slot] = new int[a.activeCount[slot]];
            }
            int[] filledCount = new int[bytes.length];
            for (int i = 0; i < opCount; i++) {
                for (int k = activeStart[i]; k < activeStart[i + 1]; k++) {
                    int slot = a.activeSlots[k];
                    a.activeOps[slot][filledCount[slot]++] = i;
                }
            }
            return a;
        }

        /** Notes that the tensor in {@code slot} is active at {@code op}, once per op. */
        private void active(int slot, int op) {
            if (lastActiveOp[slot] != op) {
                lastActiveOp[slot] = op;
                activeCount[slot]++;
                activeBytes[op] += bytes[slot];
                activeSlots[activity++] = slot;
            }
        }
    }

    /** The idle histogram and the bytes idle over 1, 10 and 100 ms, tallied tensor by tensor, and the total bytes. */
    private static final class IdleTally {
        final long[] counts = new long[IDLE_BUCKET_BOUNDS_NS.length + 1];
        final long[] bytes = new long[IDLE_BUCKET_BOUNDS_NS.length + 1];
        long totalBytes;
        long bytesOver1ms;
        long bytesOver10ms;
        long bytesOver100ms;

        /** Tallies a tensor of {@code tensorBytes} with its inactive periods. */
        void add(long tensorBytes, List<InactivePeriod> periods) {
            totalBytes += tensorBytes;
            long longestIdleNs = 0;
            for (InactivePeriod period : periods) {
                int bucket = 0;
                while (bucket < IDLE_BUCKET_BOUNDS_NS.length && period.durationNs() >= IDLE_BUCKET_BOUNDS_NS[bucket]) {
                    bucket++;
                }
                counts[bucket]++;
                bytes[bucket] += period.bytes();
                longestIdleNs = Math.max(longestIdleNs, period.durationNs());
            }
            if (longestIdleNs > MS_NS) {
                bytesOver1ms += tensorBytes;
            }
            if (longestIdleNs > 10 * MS_NS) {
                bytesOver10ms += tensorBytes;
            }
            if (longestIdleNs > 100 * MS_NS) {
                bytesOver100ms += tensorBytes;
            }
        }
    }

    /** Live bytes per op, their peak and the first op that reaches it, and the active fractions of the summary. */
    private static final class LiveBytes {
        final long[] liveBytes;
        int peakLiveOp;
        double meanActiveFraction;
        double maxActiveFraction;

        private LiveBytes(int opCount) {
            liveBytes = new long[opCount];
        }

        /** From the change of live bytes at each op ({@code liveDelta}) and each op's active bytes. */
        static LiveBytes of(long[] liveDelta, long[] activeBytes, long[] opStartNs) {
            int opCount = activeBytes.length;
            LiveBytes result = new LiveBytes(opCount);
            long[] liveBytes = result.liveBytes;
            long live = 0;
            int peakLiveOp = 0;
            double weightedActiveFraction = 0;
            double activeFractionSum = 0;
            double maxActiveFraction = 0;
            long liveDurationNs = 0;
            int liveOps = 0;
            for (int i = 0; i < opCount; i++) {
                live += liveDelta[i];
                liveBytes[i] = live;
                if (live > liveBytes[peakLiveOp]) {
                    peakLiveOp = i;
                }
                if (live > 0) {
                    double fraction = (double) activeBytes[i] / live;
                    long durationNs = opStartNs[i + 1] - opStartNs[i];
                    weightedActiveFraction += durationNs * fraction;
                    activeFractionSum += fraction;
                    maxActiveFraction = Math.max(maxActiveFraction, fraction);
                    liveDurationNs += durationNs;
                    liveOps++;
                }
            }
            result.peakLiveOp = peakLiveOp;
            result.meanActiveFraction = liveDurationNs > 0 ? weightedActiveFraction / liveDurationNs
                    : liveOps > 0 ? activeFractionSum / liveOps : 0;
            result.maxActiveFraction = maxActiveFraction;
            return result;
        }
    }

    /** The idle runs of a non-persistent tensor live over {@code liveFrom..liveTo}. */
    private static List<InactivePeriod> linearPeriods(Tensor tensor, int[] active, int liveFrom, int liveTo,
                                                      long[] opStartNs) {
        List<InactivePeriod> periods = new ArrayList<>(active.length + 1);
        int idleFrom = liveFrom;
        for (int op : active) {
            if (op > idleFrom) {
                periods.add(period(tensor, idleFrom, op - 1, opStartNs));
            }
            idleFrom = op + 1;
        }
        if (idleFrom <= liveTo) {
            periods.add(period(tensor, idleFrom, liveTo, opStartNs));
        }
        return periods;
    }

    /** The idle runs of a persistent tensor, with the trace taken as cyclic. */
    private static List<InactivePeriod> cyclicPeriods(Tensor tensor, int[] active, long[] opStartNs) {
        int lastOp = opStartNs.length - 2;
        if (active.length == 0) {
            return List.of(period(tensor, 0, lastOp, opStartNs));
        }
        List<InactivePeriod> periods = new ArrayList<>(active.length);
        for (int k = 1; k < active.length; k++) {
            if (active[k] > active[k - 1] + 1) {
                periods.add(period(tensor, active[k - 1] + 1, active[k] - 1, opStartNs));
            }
        }
        int firstUse = active[0];
        int lastUse = active[active.length - 1];
        if (firstUse > 0 && lastUse < lastOp) {
            // From after the last use, round the end of the trace, to before the first use.
            periods.add(period(tensor, lastUse + 1, firstUse - 1, opStartNs));
        } else if (firstUse > 0) {
            periods.add(0, period(tensor, 0, firstUse - 1, opStartNs));
        } else if (lastUse < lastOp) {
            periods.add(period(tensor, lastUse + 1, lastOp, opStartNs));
        }
        return periods;
    }

    private static InactivePeriod period(Tensor tensor, int firstOp, int lastOp, long[] opStartNs) {
        long durationNs = lastOp >= firstOp
                ? opStartNs[lastOp + 1] - opStartNs[firstOp]
                : opStartNs[opStartNs.length - 1] - opStartNs[firstOp] + opStartNs[lastOp + 1];
        return new InactivePeriod(tensor.id(), tensor.bytes(), firstOp, lastOp, durationNs);
    }

    private static int slotOf(Trace trace, Op op, String verb, int id) {
        int slot = trace.slotOf(id);
        if (slot < 0) {
            throw new IllegalArgumentException("analyze: op " + op.index() + " (" + op.name() + ") " + verb
                    + " unknown tensor " + id);
        }
        return slot;
    }

    private static int[] filled(int length, int value) {
        int[] array = new int[length];
        Arrays.fill(array, value);
        return array;
    }
}
