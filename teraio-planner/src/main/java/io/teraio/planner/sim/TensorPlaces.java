package io.teraio.planner.sim;

import io.teraio.planner.Workload;
import java.util.Arrays;

/**
 * Where each tensor of one device's simulation is, by tensor slot ({@link Workload} numbering),
 * in primitive arrays: its state (one of the byte constants below), where its offloaded copy is,
 * and the transfers moving it each way. Also the tensors the iteration boundary allocates or
 * frees: those resident from the start but freed within the iteration ({@link #inherited}) and
 * those allocated within it and never freed ({@link #freedAtEnd}).
 */
final class TensorPlaces {
    /** Not allocated. */
    static final byte ABSENT = 0;
    static final byte RESIDENT = 1;
    /** Still in device memory, its offload in flight. */
    static final byte OFFLOADING = 2;
    static final byte OFFLOADED = 3;
    /** Out of device memory, a prefetch waiting for memory or in flight. */
    static final byte PREFETCHING = 4;

    /** The place ({@link #loc}) of a tensor kept in host memory; otherwise an SSD id. */
    static final int HOST = -1;

    final byte[] state;
    /** Where an offloaded tensor is kept: an SSD id or {@link #HOST}. */
    final int[] loc;
    /** The transfer offloading the tensor, or -1. */
    final int[] outX;
    /** The transfer bringing the tensor back, or -1. */
    final int[] inX;
    /** Resident from the start but freed within the iteration: allocated again before op 0 of later iterations. */
    final int[] inherited;
    /** Allocated within the iteration and never freed: freed at its end. */
    final int[] freedAtEnd;

    TensorPlaces(Workload w) {
        int tensors = w.tensorCount();
        int n = w.opCount();
        state = new byte[tensors];
        loc = new int[tensors];
        outX = new int[tensors];
        inX = new int[tensors];
        Arrays.fill(outX, -1);
        Arrays.fill(inX, -1);
        int inheritedCount = 0;
        int freedAtEndCount = 0;
        for (int t = 0; t < tensors; t++) {
            if (w.inIteration(t) && w.allocOp(t) == -1 && w.freeOp(t) < n) {
                inheritedCount++;
            } else if (w.inIteration(t) && w.allocOp(t) >= 0 && w.freeOp(t) == n) {
                freedAtEndCount++;
            }
        }
        inherited = new int[inheritedCount];
        freedAtEnd = new int[freedAtEndCount];
        inheritedCount = 0;
        freedAtEndCount = 0;
        for (int t = 0; t < tensors; t++) {
            if (w.inIteration(t) && w.allocOp(t) == -1 && w.freeOp(t) < n) {
                inherited[inheritedCount++] = t;
            } else if (w.inIteration(t) && w.allocOp(t) >= 0 && w.freeOp(t) == n) {
                freedAtEnd[freedAtEndCount++] = t;
            }
        }
    }

    /** Whether tensor t is out of device memory or on its way out, with its copy where {@link #loc} says. */
    boolean offloadedOrOffloading(int t) {
        return state[t] == OFFLOADED || state[t] == OFFLOADING;
    }

    /** Notes that tensor t is no longer allocated. */
    void free(int t) {
        state[t] = ABSENT;
        outX[t] = -1;
        inX[t] = -1;
    }
}
