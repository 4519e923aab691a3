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
     * Analyzes a trace.
     *
     * @throws IllegalArgumentException if the trace has no ops or an op names an unknown tensor
     */
    public static Lifetimes analyze(Trace trace) {
        List<Tensor> tensors = trace.tensors();
        List<Op> ops = trace.ops();
        int tensorCount = tensors.size();
        int opCount = ops.size();
        if (opCount == 0) {
            throw new IllegalArgumentException("analyze: the trace has no ops");
        }

        long[] bytes = new long[tensorCount];
        for (int slot = 0; slot < tensorCount; slot++) {
            bytes[slot] = tensors.get(slot).bytes();
        }

        // opStartNs[i] = the sum of the durations of ops 0..i-1.
        long[] opStartNs = new long[opCount + 1];
        int activityBound = 0;
        for (int i = 0; i < opCount; i++) {
            Op op = ops.get(i);
            opStartNs[i + 1] = opStartNs[i] + op.durationNs();
            activityBound += op.uses().length + op.allocs().length;
        }

        // One pass over the ops: who is active where (as slots, each once per op), allocs, frees.
        int[] allocOp = filled(tensorCount, -1);
        int[] freeOp = filled(tensorCount, -1);
        int[] lastActiveOp = filled(tensorCount, -1);
        int[] activeCount = new int[tensorCount];
        int[] activeSlots = new int[activityBound];
        int[] activeStart = new int[opCount + 1];
        long[] activeBytes = new long[opCount];
        int activity = 0;
        for (int i = 0; i < opCount; i++) {
            Op op = ops.get(i);
            activeStart[i] = activity;
            for (int id : op.allocs()) {
                int slot = slotOf(trace, op, "allocates", id);
                allocOp[slot] = i;
                if (lastActiveOp[slot] != i) {
                    lastActiveOp[slot] = i;
                    activeCount[slot]++;
                    activeBytes[i] += bytes[slot];
                    activeSlots[activity++] = slot;
                }
            }
            for (int id : op.uses()) {
                int slot = slotOf(trace, op, "uses", id);
                if (lastActiveOp[slot] != i) {
                    lastActiveOp[slot] = i;
                    activeCount[slot]++;
                    activeBytes[i] += bytes[slot];
                    activeSlots[activity++] = slot;
                }
            }
            for (int id : op.frees()) {
                freeOp[slotOf(trace, op, "frees", id)] = i;
            }
        }
        activeStart[opCount] = activity;

        // Each tensor's active ops, ascending.
        int[][] activeOps = new int[tensorCount][];
        for (int slot = 0; slot < tensorCount; slot++) {
            activeOps[slot] = new int[activeCount[slot]];
        }
        int[] filledCount = new int[tensorCount];
        for (int i = 0; i < opCount; i++) {
            for (int k = activeStart[i]; k < activeStart[i + 1]; k++) {
                int slot = activeSlots[k];
                activeOps[slot][filledCount[slot]++] = i;
            }
        }

        long[] liveDelta = new long[opCount + 1];
        long[] idleCounts = new long[IDLE_BUCKET_BOUNDS_NS.length + 1];
        long[] idleBytes = new long[IDLE_BUCKET_BOUNDS_NS.length + 1];
        long totalBytes = 0;
        long idleBytesOver1ms = 0;
        long idleBytesOver10ms = 0;
        long idleBytesOver100ms = 0;
        List<TensorLifetime> lifetimes = new ArrayList<>(tensorCount);
        for (int slot = 0; slot < tensorCount; slot++) {
            Tensor tensor = tensors.get(slot);
            int liveFrom = tensor.persistent() || allocOp[slot] < 0 ? 0 : allocOp[slot];
            int liveTo = tensor.persistent() || freeOp[slot] < 0 ? opCount - 1 : freeOp[slot];
            liveDelta[liveFrom] += bytes[slot];
            liveDelta[liveTo + 1] -= bytes[slot];
            totalBytes += bytes[slot];

            List<InactivePeriod> periods = tensor.persistent()
                    ? cyclicPeriods(tensor, activeOps[slot], opStartNs)
                    : linearPeriods(tensor, activeOps[slot], liveFrom, liveTo, opStartNs);
            long longestIdleNs = 0;
            for (InactivePeriod period : periods) {
                int bucket = 0;
                while (bucket < IDLE_BUCKET_BOUNDS_NS.length && period.durationNs() >= IDLE_BUCKET_BOUNDS_NS[bucket]) {
                    bucket++;
                }
                idleCounts[bucket]++;
                idleBytes[bucket] += period.bytes();
                longestIdleNs = Math.max(longestIdleNs, period.durationNs());
            }
            if (longestIdleNs > MS_NS) {
                idleBytesOver1ms += bytes[slot];
            }
            if (longestIdleNs > 10 * MS_NS) {
                idleBytesOver10ms += bytes[slot];
            }
            if (longestIdleNs > 100 * MS_NS) {
                idleBytesOver100ms += bytes[slot];
            }
            lifetimes.add(new TensorLifetime(tensor.id(), liveFrom, liveTo, activeOps[slot], periods));
        }

        long[] liveBytes = new long[opCount];
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
        double meanActiveFraction = liveDurationNs > 0 ? weightedActiveFraction / liveDurationNs
                : liveOps > 0 ? activeFractionSum / liveOps : 0;

        LifetimeSummary summary = new LifetimeSummary(tensorCount, opCount, trace.iterations().size(), totalBytes,
                liveBytes[peakLiveOp], peakLiveOp, opStartNs[opCount], meanActiveFraction, maxActiveFraction,
                new IdleHistogram(IDLE_BUCKET_BOUNDS_NS.clone(), idleCounts, idleBytes),
                idleBytesOver1ms, idleBytesOver10ms, idleBytesOver100ms);
        return new Lifetimes(trace, lifetimes, liveBytes, activeBytes, summary);
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
