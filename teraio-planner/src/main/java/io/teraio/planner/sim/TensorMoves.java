package io.teraio.planner.sim;

import java.util.Objects;

/**
 * Every change of place of the tensors the plan moves, over the simulated (last) iteration, in
 * time order: change {@code i} puts tensor slot {@code tensors[i]} into {@code states[i]} at
 * {@code timesNs[i]} (from the iteration's start). A tensor not resident at the iteration's
 * start has a change at time 0 with the state it starts in. The arrays are shared, not copied:
 * do not modify them.
 *
 * @param tensors  tensor slots ({@link io.teraio.planner.Workload} numbering)
 * @param timesNs  when, ascending
 * @param states   {@link #OFFLOADING}, {@link #OFFLOADED}, {@link #PREFETCHING},
 *                 {@link #RESIDENT} (back in device memory) or {@link #FREED} (freed while not
 *                 resident)
 * @param places   where the tensor's offloaded copy is: an SSD id, or -1 for host memory
 */
public record TensorMoves(int[] tensors, long[] timesNs, byte[] states, int[] places) {
    /** Being written out; still in device memory. */
    public static final byte OFFLOADING = 1;
    /** Out of device memory. */
    public static final byte OFFLOADED = 2;
    /** Being read back: device memory reserved (or waiting for it), then the read. */
    public static final byte PREFETCHING = 3;
    /** Back in device memory. */
    public static final byte RESIDENT = 4;
    /** Freed by the iteration while not resident. */
    public static final byte FREED = 5;
    /** No changes. */
    public static final TensorMoves EMPTY = new TensorMoves(new int[0], new long[0], new byte[0], new int[0]);

    public TensorMoves {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(timesNs, "timesNs");
        Objects.requireNonNull(states, "states");
        Objects.requireNonNull(places, "places");
        if (timesNs.length != tensors.length || states.length != tensors.length || places.length != tensors.length) {
            throw new IllegalArgumentException("TensorMoves: arrays of different lengths");
        }
    }

    /** The number of changes. */
    public int size() {
        return tensors.length;
    }
}
