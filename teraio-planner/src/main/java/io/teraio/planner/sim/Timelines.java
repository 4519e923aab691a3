package io.teraio.planner.sim;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;

/**
 * What the simulated (last) iteration looks like over time, for plots; each series has at
 * most {@link SimulationOptions#timelinePoints()} points.
 *
 * @param deviceBytes                 device memory in use (resident tensors, reservations of
 *                                    prefetches, tensors being offloaded): the maximum over each
 *                                    point's interval
 * @param ssdReadBytesPerSecond       bytes/s read from all SSDs together: the mean over each interval
 * @param ssdWriteBytesPerSecond      bytes/s written to all SSDs together: the mean
 * @param pcieToDeviceBytesPerSecond  bytes/s over device 0's PCIe link towards the device
 *                                    (prefetches from SSDs and host memory): the mean
 * @param pcieToHostBytesPerSecond    bytes/s over the link away from the device (offloads): the mean
 * @param opStartNs                   when each op of the iteration started running, measured from
 *                                    the iteration's start, one per op (not downsampled; the time
 *                                    an op waited is its start minus the previous op's end, or
 *                                    minus 0 for op 0); empty with {@link #EMPTY}. Shared, not
 *                                    copied: do not modify it. Left out of JSON (one number per op)
 * @param moves                       every change of place of the tensors the plan moves (left
 *                                    out of JSON)
 */
public record Timelines(TimeSeries deviceBytes, TimeSeries ssdReadBytesPerSecond, TimeSeries ssdWriteBytesPerSecond,
                        TimeSeries pcieToDeviceBytesPerSecond, TimeSeries pcieToHostBytesPerSecond,
                        @JsonIgnore long[] opStartNs, @JsonIgnore TensorMoves moves) {
    /** No timelines (the simulation ran out of memory before its last iteration finished). */
    public static final Timelines EMPTY = new Timelines(TimeSeries.EMPTY, TimeSeries.EMPTY, TimeSeries.EMPTY,
            TimeSeries.EMPTY, TimeSeries.EMPTY, new long[0], TensorMoves.EMPTY);

    public Timelines {
        Objects.requireNonNull(deviceBytes, "deviceBytes");
        Objects.requireNonNull(ssdReadBytesPerSecond, "ssdReadBytesPerSecond");
        Objects.requireNonNull(ssdWriteBytesPerSecond, "ssdWriteBytesPerSecond");
        Objects.requireNonNull(pcieToDeviceBytesPerSecond, "pcieToDeviceBytesPerSecond");
        Objects.requireNonNull(pcieToHostBytesPerSecond, "pcieToHostBytesPerSecond");
        Objects.requireNonNull(opStartNs, "opStartNs");
        Objects.requireNonNull(moves, "moves");
    }
}
