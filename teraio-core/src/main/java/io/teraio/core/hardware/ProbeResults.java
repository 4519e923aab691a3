package io.teraio.core.hardware;

import java.util.List;
import java.util.Objects;

/**
 * What {@code teraio probe} measured beyond the planning numbers of a {@link HardwareProfile}:
 * every channel the engine uses, at the task size and queue depth the engine runs with
 * ({@code probe} in {@code hardware.json}, docs/hardware.md). Absent from profiles written by
 * hand, by the flags or by an older probe.
 *
 * @param taskBytes              the engine's task size the numbers were measured with (positive)
 * @param queueDepth             tasks in flight per channel they were measured with (positive)
 * @param toHostBytesPerSecond   the host tier, device memory to host memory: offloads to the host
 *                               tier through the engine (PCIe on a GPU, a memory copy without one)
 * @param fromHostBytesPerSecond the host tier, host memory to device memory: prefetches from it
 * @param verify                 whether the engine computed CRC32C on every task while measuring (its
 *                               {@code verify}), as {@code replay} does by default
 * @param migrationNs            the engine's per-migration overhead: the median time the calling thread
 *                               (the compute stream) spends issuing one offload or prefetch of a
 *                               task-size tensor; 0 when not measured (a profile from an older probe)
 * @param ssds                   per SSD, in the order of the profile's SSDs
 */
public record ProbeResults(long taskBytes, int queueDepth, long toHostBytesPerSecond, long fromHostBytesPerSecond,
                           boolean verify, long migrationNs, List<SsdResults> ssds) {
    public ProbeResults {
        ssds = List.copyOf(Objects.requireNonNull(ssds, "ssds"));
    }

    /** The same results for the first {@code count} SSDs only. */
    public ProbeResults firstSsds(int count) {
        return new ProbeResults(taskBytes, queueDepth, toHostBytesPerSecond, fromHostBytesPerSecond, verify,
                migrationNs, ssds.subList(0, count));
    }

    /**
     * One SSD's measurements.
     *
     * @param id                       the SSD's id in the profile
     * @param mixedReadBytesPerSecond  reads while writes run on the same SSD at the same time, sharing
     *                                 its queue depth (what a plan whose offloads and prefetches overlap gets)
     * @param mixedWriteBytesPerSecond the writes of that same run
     * @param readTaskNs               median time of one task-size read through the engine with
     *                                 nothing else in flight, from issue to completion
     * @param writeTaskNs              the same for one task-size write
     */
    public record SsdResults(int id, long mixedReadBytesPerSecond, long mixedWriteBytesPerSecond, long readTaskNs,
                             long writeTaskNs) {
    }
}
