package io.teraio.profiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.core.trace.TraceValidator;
import io.teraio.fixtures.SyntheticWorkload;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every expected number here is worked out by hand from the trace in the test. */
class LifetimeAnalyzerTest {
    private static final int[] NONE = {};
    private static final double EXACT = 1e-12;

    @Test
    void architectureExample() {
        Trace trace = trace(List.of(
                        persistent(0, 4096),
                        nonPersistent(1, 8192, TensorKind.ACTIVATION)),
                new Op(0, "linear", 1000, ids(0, 1), ids(1), NONE),
                new Op(1, "relu", 500, ids(1), NONE, NONE),
                new Op(2, "sum", 200, ids(1), NONE, ids(1)));

        Lifetimes lifetimes = LifetimeAnalyzer.analyze(trace);

        for (int op = 0; op < 3; op++) {
            assertEquals(12288, lifetimes.liveBytes(op), "live at op " + op);
        }
        assertEquals(12288, lifetimes.activeBytes(0));
        assertEquals(8192, lifetimes.activeBytes(1));
        assertEquals(8192, lifetimes.activeBytes(2));

        // The weight is idle at relu and sum (500 + 200 ns) and used again at linear next iteration.
        assertEquals(List.of(
                        new TensorLifetime(0, 0, 2, ids(0), List.of(new InactivePeriod(0, 4096, 1, 2, 700))),
                        new TensorLifetime(1, 0, 2, ids(0, 1, 2), List.of())),
                lifetimes.tensors());
        assertFalse(lifetimes.tensors().get(0).inactivePeriods().get(0).wraps());

        LifetimeSummary summary = lifetimes.summary();
        assertEquals(2, summary.tensorCount());
        assertEquals(3, summary.opCount());
        assertEquals(1, summary.iterationCount());
        assertEquals(12288, summary.totalBytes());
        assertEquals(12288, summary.peakLiveBytes());
        assertEquals(0, summary.peakLiveOp());
        assertEquals(1700, summary.totalDurationNs());
        assertEquals((1000 * 1.0 + 700 * 2.0 / 3.0) / 1700, summary.meanActiveFraction(), EXACT);
        assertEquals(1.0, summary.maxActiveFraction(), EXACT);
        assertHistogram(summary.idleHistogram(), new long[] {1, 0, 0, 0, 0, 0, 0}, new long[] {4096, 0, 0, 0, 0, 0, 0});
        assertEquals(0, summary.idleBytesOver1ms());
        assertEquals(0, summary.idleBytesOver10ms());
        assertEquals(0, summary.idleBytesOver100ms());
    }

    @Test
    void persistentTensorsIdleRoundTheIterationBoundary() {
        // Ops of 10, 20, 30, 40, 50 ns. Tensor 0 is used at ops 1 and 3, tensor 1 at 0 and 2,
        // tensor 2 at 2 and 4 (the last op), tensor 3 never.
        Trace trace = trace(List.of(persistent(0, 100), persistent(1, 200), persistent(2, 300), persistent(3, 7)),
                new Op(0, "a", 10, ids(1), NONE, NONE),
                new Op(1, "b", 20, ids(0), NONE, NONE),
                new Op(2, "c", 30, ids(1, 2), NONE, NONE),
                new Op(3, "d", 40, ids(0), NONE, NONE),
                new Op(4, "e", 50, ids(2), NONE, NONE));

        Lifetimes lifetimes = LifetimeAnalyzer.analyze(trace);

        List<TensorLifetime> tensors = lifetimes.tensors();
        // Tensor 0: op 2 between its uses; then ops 4 and (next iteration) 0: one wrapping period.
        assertEquals(new TensorLifetime(0, 0, 4, ids(1, 3), List.of(
                new InactivePeriod(0, 100, 2, 2, 30),
                new InactivePeriod(0, 100, 4, 0, 50 + 10))), tensors.get(0));
        assertTrue(tensors.get(0).inactivePeriods().get(1).wraps());
        // Tensor 1: first use at op 0, so the run after its last use ends at the last op.
        assertEquals(new TensorLifetime(1, 0, 4, ids(0, 2), List.of(
                new InactivePeriod(1, 200, 1, 1, 20),
                new InactivePeriod(1, 200, 3, 4, 40 + 50))), tensors.get(1));
        // Tensor 2: last use at the last op, so the run before its first use starts at op 0.
        assertEquals(new TensorLifetime(2, 0, 4, ids(2, 4), List.of(
                new InactivePeriod(2, 300, 0, 1, 10 + 20),
                new InactivePeriod(2, 300, 3, 3, 40))), tensors.get(2));
        // Tensor 3: never used, idle over every op.
        assertEquals(new TensorLifetime(3, 0, 4, NONE, List.of(new InactivePeriod(3, 7, 0, 4, 150))), tensors.get(3));
        for (TensorLifetime tensor : List.of(tensors.get(1), tensors.get(2), tensors.get(3))) {
            for (InactivePeriod period : tensor.inactivePeriods()) {
                assertFalse(period.wraps(), period.toString());
            }
        }

        long[] active = {200, 100, 500, 100, 300};
        for (int op = 0; op < 5; op++) {
            assertEquals(607, lifetimes.liveBytes(op));
            assertEquals(active[op], lifetimes.activeBytes(op));
        }
        LifetimeSummary summary = lifetimes.summary();
        assertEquals(607, summary.peakLiveBytes());
        assertEquals(0, summary.peakLiveOp());
        assertEquals((10 * 200 + 20 * 100 + 30 * 500 + 40 * 100 + 50 * 300) / (607.0 * 150),
                summary.meanActiveFraction(), EXACT);
        assertEquals(500 / 607.0, summary.maxActiveFraction(), EXACT);
    }

    @Test
    void transientTensorsIdleUntilFreedOrTheEnd() {
        // Ops of 100, 200, 300, 400, 500 ns.
        // Tensor 0: allocated at op 0, used at op 1, freed (not used) at op 4.
        // Tensor 1: allocated at op 2, used at op 3, never freed.
        // Tensor 2: allocated by no op, first used at op 2, used and freed at op 3.
        // Tensor 3: allocated and freed at op 1, never used.
        Trace trace = trace(List.of(
                        nonPersistent(0, 10, TensorKind.ACTIVATION),
                        nonPersistent(1, 20, TensorKind.ACTIVATION),
                        nonPersistent(2, 40, TensorKind.OTHER),
                        nonPersistent(3, 80, TensorKind.WORKSPACE)),
                new Op(0, "a", 100, NONE, ids(0), NONE),
                new Op(1, "b", 200, ids(0), ids(3), ids(3)),
                new Op(2, "c", 300, ids(2), ids(1), NONE),
                new Op(3, "d", 400, ids(1, 2), NONE, ids(2)),
                new Op(4, "e", 500, NONE, NONE, ids(0)));

        Lifetimes lifetimes = LifetimeAnalyzer.analyze(trace);

        assertEquals(List.of(
                        new TensorLifetime(0, 0, 4, ids(0, 1), List.of(new InactivePeriod(0, 10, 2, 4, 1200))),
                        new TensorLifetime(1, 2, 4, ids(2, 3), List.of(new InactivePeriod(1, 20, 4, 4, 500))),
                        new TensorLifetime(2, 0, 3, ids(2, 3), List.of(new InactivePeriod(2, 40, 0, 1, 300))),
                        new TensorLifetime(3, 1, 1, ids(1), List.of())),
                lifetimes.tensors());

        long[] live = {10 + 40, 10 + 40 + 80, 10 + 20 + 40, 10 + 20 + 40, 10 + 20};
        long[] active = {10, 10 + 80, 40 + 20, 20 + 40, 0};
        for (int op = 0; op < 5; op++) {
            assertEquals(live[op], lifetimes.liveBytes(op), "live at op " + op);
            assertEquals(active[op], lifetimes.activeBytes(op), "active at op " + op);
        }
        LifetimeSummary summary = lifetimes.summary();
        assertEquals(150, summary.totalBytes());
        assertEquals(130, summary.peakLiveBytes());
        assertEquals(1, summary.peakLiveOp());
        assertEquals(1500, summary.totalDurationNs());
        assertEquals((100 * 10 / 50.0 + 200 * 90 / 130.0 + 300 * 60 / 70.0 + 400 * 60 / 70.0 + 500 * 0.0) / 1500,
                summary.meanActiveFraction(), EXACT);
        assertEquals(60 / 70.0, summary.maxActiveFraction(), EXACT);
        assertHistogram(summary.idleHistogram(), new long[] {3, 0, 0, 0, 0, 0, 0}, new long[] {70, 0, 0, 0, 0, 0, 0});
    }

    @Test
    void meanActiveFractionIsThePlainMeanWhenNoOpTakesTime() {
        // Tensor 0 (10 B) used at op 0; tensor 1 (30 B) used at op 1; all ops take 0 ns.
        Trace trace = trace(List.of(persistent(0, 10), persistent(1, 30)),
                new Op(0, "a", 0, ids(0), NONE, NONE),
                new Op(1, "b", 0, ids(1), NONE, NONE));

        LifetimeSummary summary = LifetimeAnalyzer.analyze(trace).summary();

        assertEquals((10 / 40.0 + 30 / 40.0) / 2, summary.meanActiveFraction(), EXACT);
        assertEquals(30 / 40.0, summary.maxActiveFraction(), EXACT);
    }

    @Test
    void histogramBucketsAndIdleBytesThresholds() {
        // Persistent tensor k (1 << k bytes) is used at every op but op k, so its one idle
        // period is op k alone. Tensor 7 (128 B) is idle at ops 4 and 6.
        long[] durationsNs = {9_999, 10_000, 1_000_000, 1_000_001, 10_000_001, 100_000_000, 1_000_000_000};
        List<Tensor> tensors = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            tensors.add(persistent(k, 1L << k));
        }
        List<Op> ops = new ArrayList<>();
        for (int op = 0; op < durationsNs.length; op++) {
            List<Integer> uses = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                if (k != op && !(k == 7 && (op == 4 || op == 6))) {
                    uses.add(k);
                }
            }
            ops.add(new Op(op, "op" + op, durationsNs[op], uses.stream().mapToInt(Integer::intValue).toArray(),
                    NONE, NONE));
        }
        Trace trace = trace(tensors, ops.toArray(new Op[0]));

        Lifetimes lifetimes = LifetimeAnalyzer.analyze(trace);

        assertEquals(List.of(new InactivePeriod(0, 1, 0, 0, 9_999)), lifetimes.tensors().get(0).inactivePeriods());
        assertEquals(List.of(new InactivePeriod(6, 64, 6, 6, 1_000_000_000)),
                lifetimes.tensors().get(6).inactivePeriods());
        assertEquals(List.of(new InactivePeriod(7, 128, 4, 4, 10_000_001), new InactivePeriod(7, 128, 6, 6, 1_000_000_000)),
                lifetimes.tensors().get(7).inactivePeriods());
        LifetimeSummary summary = lifetimes.summary();
        // Below 10 µs: t0. Below 100 µs: t1 (exactly 10 µs). Below 1 ms: none. Below 10 ms: t2
        // (exactly 1 ms), t3. Below 100 ms: t4, t7. Below 1 s: t5 (exactly 100 ms). Rest: t6, t7.
        assertHistogram(summary.idleHistogram(), new long[] {1, 1, 0, 2, 2, 1, 2},
                new long[] {1, 2, 0, 4 + 8, 16 + 128, 32, 64 + 128});
        // Strictly longer than 1 ms: t3, t4, t5, t6, t7 (counted once though idle twice).
        assertEquals(8 + 16 + 32 + 64 + 128, summary.idleBytesOver1ms());
        assertEquals(16 + 32 + 64 + 128, summary.idleBytesOver10ms());
        assertEquals(64 + 128, summary.idleBytesOver100ms());
    }

    @Test
    void aTraceWithoutOpsIsRejected() {
        Trace empty = new Trace(TraceSource.UNKNOWN, List.of(), List.of(persistent(0, 8)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LifetimeAnalyzer.analyze(empty));
        assertEquals("analyze: the trace has no ops", e.getMessage());
    }

    @Test
    void aLargeSyntheticTraceAnalyzesInBoundedMemory() {
        // Surefire runs this module's tests with -Xmx512m.
        Trace trace = SyntheticWorkload.withApproxOps(250_000).trace();

        Lifetimes lifetimes = LifetimeAnalyzer.analyze(trace);

        LifetimeSummary summary = lifetimes.summary();
        assertEquals(trace.ops().size(), summary.opCount());
        assertEquals(trace.tensors().size(), lifetimes.tensors().size());
        assertTrue(summary.peakLiveBytes() <= summary.totalBytes());
        assertTrue(summary.meanActiveFraction() > 0 && summary.meanActiveFraction() < 1, summary.toString());
    }

    private static Trace trace(List<Tensor> tensors, Op... ops) {
        Trace trace = new Trace(new TraceSource("test", null, null, null), List.of(new Iteration(0, 0, ops.length)),
                tensors, List.of(ops));
        TraceValidator.validate(trace, "test");
        return trace;
    }

    private static Tensor persistent(int id, long bytes) {
        return new Tensor(id, "tensor" + id, bytes, TensorKind.PARAMETER, true, true, 0);
    }

    private static Tensor nonPersistent(int id, long bytes, TensorKind kind) {
        return new Tensor(id, "op" + id + ".out0", bytes, kind, false, true, 0);
    }

    private static int[] ids(int... ids) {
        return ids;
    }

    private static void assertHistogram(IdleHistogram histogram, long[] counts, long[] bytes) {
        assertArrayEquals(new long[] {10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000},
                histogram.upperBoundsNs());
        assertArrayEquals(counts, histogram.periodCounts(), "period counts");
        assertArrayEquals(bytes, histogram.periodBytes(), "period bytes");
    }
}
