package io.teraio.profiler;

import io.teraio.core.lifetime.LifetimeModel;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.Trace;
import java.util.ArrayList;
import java.util.List;

/**
 * Learns from a trace when each tensor is live, when it is used and how long it sits idle, and
 * sums it up for {@code teraio analyze}. The live ranges, active ops, idle periods and bytes
 * per op are those of the whole trace's {@link LifetimeModel} (its rules, also in
 * {@code docs/lifetimes.md}: a persistent tensor's idle time wraps across the iteration
 * boundary); each idle period becomes an {@link InactivePeriod}, listed in op order, a
 * wrapping one last. The summary (also in {@code docs/lifetimes.md}):
 *
 * <ul>
 * <li>Total bytes: the sum over all tensors. Peak live bytes and the first op that reaches
 *     them. Mean active fraction: the sum over ops of {@code durationNs * active / live}
 *     divided by the sum of {@code durationNs}, over the ops with live bytes (the plain mean
 *     over those ops when their durations are all 0). Max active fraction: the largest
 *     {@code active / live} of one op.
 * <li>The idle histogram counts the inactive periods, and sums their bytes, in buckets below
 *     10 µs, 100 µs, 1 ms, 10 ms, 100 ms, 1 s and one unbounded. Idle bytes over 1, 10 and
 *     100 ms: the sum of the bytes of the tensors that have at least one inactive period
 *     strictly longer.
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
     * Analyzes a trace, in steps: the trace's {@link LifetimeModel} (live ranges, active ops,
     * idle periods and bytes per op, computed once), each tensor's lifetime with the idle
     * histogram its periods fill ({@link IdleTally}), then the live-byte peak and active
     * fractions ({@link LiveBytes}).
     *
     * @throws IllegalArgumentException if the trace has no ops or an op names an unknown tensor
     */
    public static Lifetimes analyze(Trace trace) {
        List<Tensor> tensors = trace.tensors();
        int opCount = trace.ops().size();
        if (opCount == 0) {
            throw new IllegalArgumentException("analyze: the trace has no ops");
        }
        LifetimeModel model;
        try {
            model = LifetimeModel.ofTrace(trace);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("analyze: " + e.getMessage(), e);
        }
        IdleTally idle = new IdleTally();
        List<TensorLifetime> lifetimes = new ArrayList<>(tensors.size());
        for (int slot = 0; slot < tensors.size(); slot++) {
            Tensor tensor = tensors.get(slot);
            List<InactivePeriod> periods = periods(model, slot, tensor);
            idle.add(tensor.bytes(), periods);
            lifetimes.add(new TensorLifetime(tensor.id(), model.liveFromOp(slot), model.liveToOp(slot),
                    model.activeOps(slot), periods));
        }
        LiveBytes live = LiveBytes.of(model);

        LifetimeSummary summary = new LifetimeSummary(tensors.size(), opCount, trace.iterations().size(),
                idle.totalBytes, model.liveBytes(live.peakLiveOp), live.peakLiveOp, model.totalNs(),
                live.meanActiveFraction, live.maxActiveFraction,
                new IdleHistogram(IDLE_BUCKET_BOUNDS_NS.clone(), idle.counts, idle.bytes),
                idle.bytesOver1ms, idle.bytesOver10ms, idle.bytesOver100ms);
        return new Lifetimes(model, lifetimes, summary);
    }

    /**
     * The model's idle periods of one tensor as inactive periods, in op order: a period across
     * the boundary that lies wholly in the next iteration (the tensor's last use is the last op)
     * is that iteration's first, and one that ends at the last op (its first use is op 0) does
     * not wrap.
     */
    private static List<InactivePeriod> periods(LifetimeModel model, int slot, Tensor tensor) {
        int n = model.opCount();
        int first = model.firstPeriod(slot);
        int count = model.firstPeriod(slot + 1) - first;
        if (count == 0) {
            return List.of();
        }
        InactivePeriod[] periods = new InactivePeriod[count];
        // A period wholly in the next iteration can only be the tensor's last; it goes first.
        int shift = model.idleFromOp(first + count - 1) >= n ? 1 : 0;
        for (int i = 0; i < count; i++) {
            int p = first + i;
            int from = model.idleFromOp(p);
            int to = model.idleToOp(p);
            periods[(i + shift) % count] = from >= n
                    ? new InactivePeriod(tensor.id(), tensor.bytes(), from - n, to - n, model.idleNs(p))
                    : new InactivePeriod(tensor.id(), tensor.bytes(), from, to < n ? to : to - n, model.idleNs(p));
        }
        return List.of(periods);
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

    /** The first op that reaches the peak of live bytes, and the active fractions of the summary. */
    private static final class LiveBytes {
        int peakLiveOp;
        double meanActiveFraction;
        double maxActiveFraction;

        /** From the model's live and active bytes at each op. */
        static LiveBytes of(LifetimeModel model) {
            int opCount = model.opCount();
            LiveBytes result = new LiveBytes();
            int peakLiveOp = 0;
            double weightedActiveFraction = 0;
            double activeFractionSum = 0;
            double maxActiveFraction = 0;
            long liveDurationNs = 0;
            int liveOps = 0;
            for (int i = 0; i < opCount; i++) {
                long live = model.liveBytes(i);
                if (live > model.liveBytes(peakLiveOp)) {
                    peakLiveOp = i;
                }
                if (live > 0) {
                    double fraction = (double) model.activeBytes(i) / live;
                    long durationNs = model.startNs(i + 1) - model.startNs(i);
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
}
