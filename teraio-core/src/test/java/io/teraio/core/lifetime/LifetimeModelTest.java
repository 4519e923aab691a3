package io.teraio.core.lifetime;

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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifetimeModelTest {
    private static final int[] NONE = {};

    /** The worked example of docs/lifetimes.md: a persistent weight and an activation over three ops. */
    @Test
    void theWorkedExample() {
        Trace trace = trace(List.of(new Iteration(0, 0, 3)),
                List.of(weight(0, 4096), activation(1, 8192)),
                List.of(new Op(0, "linear", 1000, new int[] {0, 1}, new int[] {1}, NONE),
                        new Op(1, "relu", 500, new int[] {1}, NONE, NONE),
                        new Op(2, "sum", 200, new int[] {1}, NONE, new int[] {1})));
        LifetimeModel m = LifetimeModel.ofTrace(trace);

        for (int k = 0; k < 3; k++) {
            assertEquals(12288, m.liveBytes(k));
        }
        assertEquals(12288, m.activeBytes(0));
        assertEquals(8192, m.activeBytes(1));
        assertEquals(1700, m.totalNs());
        assertTrue(m.wraps(0));
        assertFalse(m.wraps(1));
        assertArrayEquals(new int[] {0}, m.activeOps(0));
        assertArrayEquals(new int[] {0, 1, 2}, m.activeOps(1));
        // The weight is idle from op 1 through the last op; its next use is the next iteration's op 0.
        assertEquals(List.of(new Idle(IdleKind.ACROSS_BOUNDARY, 1, 2, 700)), periods(m, 0));
        assertEquals(List.of(), periods(m, 1));
    }

    @Test
    void aPeriodAcrossTheBoundaryRunsOnTheUnrolledTimeline() {
        Trace trace = trace(List.of(new Iteration(0, 0, 5)), List.of(weight(0, 100)),
                List.of(op(0, 10), op(1, 20, 0), op(2, 30), op(3, 40, 0), op(4, 50)));
        LifetimeModel m = LifetimeModel.ofTrace(trace);

        assertEquals(List.of(new Idle(IdleKind.BETWEEN_USES, 2, 2, 30),
                new Idle(IdleKind.ACROSS_BOUNDARY, 4, 5, 50 + 10)), periods(m, 0));
    }

    @Test
    void whenTheLastUseIsTheLastOpTheBoundaryPeriodLiesInTheNextIteration() {
        Trace trace = trace(List.of(new Iteration(0, 0, 3)), List.of(weight(0, 100)),
                List.of(op(0, 10), op(1, 20), op(2, 30, 0)));
        LifetimeModel m = LifetimeModel.ofTrace(trace);

        assertEquals(List.of(new Idle(IdleKind.ACROSS_BOUNDARY, 3, 4, 30)), periods(m, 0));
    }

    @Test
    void anActivationIsIdleBeforeItsFirstUseWhenNoOpAllocatesItAndAfterItsLastUntilFreed() {
        Trace trace = trace(List.of(new Iteration(0, 0, 5)), List.of(activation(0, 100)),
                List.of(op(0, 1), op(1, 2, 0), op(2, 4),
                        new Op(3, "free", 8, NONE, NONE, new int[] {0}), op(4, 16)));
        LifetimeModel m = LifetimeModel.ofTrace(trace);

        assertEquals(0, m.liveFromOp(0));
        assertEquals(3, m.liveToOp(0));
        assertEquals(0, m.liveBytes(4));
        assertEquals(List.of(new Idle(IdleKind.BEFORE_FIRST_USE, 0, 0, 1),
                new Idle(IdleKind.AFTER_LAST_USE, 2, 3, 12)), periods(m, 0));
    }

    /**
     * Of an iteration, a transient tensor it neither allocates nor frees wraps like a persistent
     * one, and a tensor it does not touch is not part of it; of the whole trace, neither holds.
     */
    @Test
    void anIterationWrapsWhatItNeitherAllocatesNorFrees() {
        List<Op> ops = new ArrayList<>();
        ops.add(new Op(0, "make", 1, NONE, new int[] {0}, NONE));
        ops.add(new Op(1, "make2", 1, NONE, new int[] {1}, NONE));
        ops.add(new Op(2, "use", 1, new int[] {0}, NONE, NONE));
        ops.add(new Op(3, "idle", 1, NONE, NONE, NONE));
        ops.add(new Op(4, "use", 1, new int[] {0}, NONE, NONE));
        ops.add(new Op(5, "idle", 1, NONE, NONE, NONE));
        Trace trace = trace(List.of(new Iteration(0, 0, 2), new Iteration(1, 2, 4)),
                List.of(activation(0, 100), activation(1, 7)), ops);
        LifetimeModel iteration = LifetimeModel.ofIteration(trace, trace.iterations().get(1));

        assertTrue(iteration.inWindow(0));
        assertTrue(iteration.wraps(0));
        assertFalse(iteration.inWindow(1));
        assertEquals(100, iteration.liveBytes(0));
        assertArrayEquals(new int[] {0, 2}, iteration.activeOps(0));
        assertEquals(List.of(new Idle(IdleKind.BETWEEN_USES, 1, 1, 1), new Idle(IdleKind.ACROSS_BOUNDARY, 3, 3, 1)),
                periods(iteration, 0));

        LifetimeModel whole = LifetimeModel.ofTrace(trace);
        assertFalse(whole.wraps(0));
        assertTrue(whole.inWindow(1));
        assertEquals(List.of(new Idle(IdleKind.AFTER_LAST_USE, 2, 5, 4)), periods(whole, 1));
    }

    @Test
    void anOpNamingAnUnknownTensorIsRefused() {
        Trace trace = trace(List.of(new Iteration(0, 0, 1)), List.of(weight(0, 1)), List.of(op(0, 1, 7)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LifetimeModel.ofTrace(trace));
        assertEquals("op 0 (op0) uses unknown tensor 7", e.getMessage());
    }

    private record Idle(IdleKind kind, int fromOp, int toOp, long ns) {
    }

    private static List<Idle> periods(LifetimeModel m, int t) {
        List<Idle> periods = new ArrayList<>();
        for (int p = m.firstPeriod(t); p < m.firstPeriod(t + 1); p++) {
            periods.add(new Idle(m.idleKind(p), m.idleFromOp(p), m.idleToOp(p), m.idleNs(p)));
        }
        return periods;
    }

    private static Op op(int index, long ns, int... uses) {
        return new Op(index, "op" + index, ns, uses, NONE, NONE);
    }

    private static Tensor weight(int id, long bytes) {
        return new Tensor(id, "w" + id, bytes, TensorKind.PARAMETER, true, true, 0);
    }

    private static Tensor activation(int id, long bytes) {
        return new Tensor(id, "a" + id, bytes, TensorKind.ACTIVATION, false, true, 0);
    }

    private static Trace trace(List<Iteration> iterations, List<Tensor> tensors, List<Op> ops) {
        return new Trace(TraceSource.UNKNOWN, iterations, tensors, ops);
    }
}
