package io.teraio.planner.sim;

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
 */
public record Timelines(TimeSeries deviceBytes, TimeSeries ssdReadBytesPerSecond, TimeSeries ssdWriteBytesPerSecond,
                        TimeSeries pcieToDeviceBytesPerSecond, TimeSeries pcieToHostBytesPerSecond) {
    /** No timelines (the simulation ran out of memory before its last iteration finished). */
    public static final Timelines EMPTY = new Timelines(TimeSeries.EMPTY, TimeSeries.EMPTY, TimeSeries.EMPTY,
            TimeSeries.EMPTY, TimeSeries.EMPTY);

    public Timelines {
        Objects.requireNonNull(deviceBytes, "deviceBytes");
        Objects.requireNonNull(ssdReadBytesPerSecond, "ssdReadBytesPerSecond");
        Objects.requireNonNull(ssdWriteBytesPerSecond, "ssdWriteBytesPerSecond");
        Objects.requireNonNull(pcieToDeviceBytesPerSecond, "pcieToDeviceBytesPerSecond");
        Objects.requireNonNull(pcieToHostBytesPerSecond, "pcieToHostBytesPerSecond");
    }
}
