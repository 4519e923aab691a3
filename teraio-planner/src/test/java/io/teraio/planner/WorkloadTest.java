package io.teraio.planner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static int[] ids(int... ids) {
        return ids;
    }

    /** Two iterations of: fwd allocates a, mid uses w, bwd uses a and w and frees a. */
    static Trace twoIterations() {
        List<Tensor> tensors = List.of(
                new Tensor(10, "w", 100, TensorKind.PARAMETER, true, true, 0),
                new Tensor(11, "op0.out0", 40, TensorKind.ACTIVATION, false, true, 0),
                new Tensor(12, "op0.out0", 40, TensorKind.ACTIVATION, false, true, 0),
                new Tensor(13, "unused", 7, TensorKind.OTHER, true, true, 0));
        List<Op> ops = List.of(
                new Op(0, "fwd", 10, ids(10, 11), ids(11), ids()),
                new Op(1, "mid", 20, ids(10), ids(), ids()),
                new Op(2, "bwd", 30, ids(10, 11), ids(), ids(11)),
                new Op(3, "fwd", 10, ids(10, 12), ids(12), ids()),
                new Op(4, "mid", 20, ids(10), ids(), ids()),
                new Op(5, "bwd", 30, ids(10, 12), ids(), ids(12)));
        return new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, 3), new Iteration(1, 3, 3)), tensors, ops);
    }

    @Test
    void theLastIterationIsIndexedLocally() {
        Workload w = Workload.of(twoIterations());
        assertEquals(3, w.firstOp());
        assertEquals(3, w.opCount());
        assertEquals(60, w.idealNs());
        assertEquals(30, w.startNs(2));
        // slot 0 = w (resident from the start, wraps), slot 2 = this iteration's activation.
        assertEquals(-1, w.allocOp(0));
        assertEquals(3, w.freeOp(0));
        assertTrue(w.wraps(0));
        assertEquals(0, w.allocOp(2));
        assertEquals(2, w.freeOp(2));
        assertFalse(w.inIteration(1));
        assertFalse(w.inIteration(3));
        assertArrayEquals(new int[] {0, 1, 2}, w.useOps(0));
        assertArrayEquals(new int[] {0, 2}, w.useOps(2));
        assertEquals(12, w.tensorId(2));
        assertArrayEquals(new long[] {140, 140, 140}, new long[] {w.liveBytes(0), w.liveBytes(1), w.liveBytes(2)});
        assertEquals(100, w.neededBytes(1));
        assertEquals(140, w.peakLiveBytes());
    }
}
