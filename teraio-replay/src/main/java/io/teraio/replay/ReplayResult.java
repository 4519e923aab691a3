package io.teraio.replay;

import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.LaneStats;
import java.util.List;

/**
 * What {@link TraceReplay} measured in the last iteration it ran.
 *
 * @param iterationNs       wall time of every iteration, in order; the last is the one reported
 * @param computeNs         the last iteration's op durations as emulated (the ideal time)
 * @param stallNs           time the last iteration's ops waited for tensors (prefetches, misses)
 * @param memoryStallNs     time they waited for device memory for their allocations
 * @param stalledOps        ops of the last iteration that waited at all
 * @param engine            the engine's counters over the last iteration (bytes moved, misses,
 *                          failed writes, CRC mismatches, ...), counted as transfers complete
 * @param lanes             each lane's bytes and busy time over the last iteration (the SSDs in id
 *                          order, then the host tier if the engine has one), as tasks complete
 * @param total             the engine's counters over the whole run, the writes before the first
 *                          iteration included, after the last transfer completed
 * @param corruptTensors    uses at which a tensor's bytes were not what was written (0 when
 *                          correct; counted over every iteration)
 * @param peakDeviceBytes   the most device memory in use, over the whole run
 */
public record ReplayResult(List<Long> iterationNs, long computeNs, long stallNs, long memoryStallNs, int stalledOps,
                           EngineStats engine, List<LaneStats> lanes, EngineStats total, long corruptTensors,
                           long peakDeviceBytes) {
    public ReplayResult {
        iterationNs = List.copyOf(iterationNs);
        lanes = List.copyOf(lanes);
    }

    /** The reported (last) iteration's time. */
    public long lastIterationNs() {
        return iterationNs.get(iterationNs.size() - 1);
    }
}
