package io.teraio.planner.sim;

import io.teraio.core.engine.LaneStats;
import io.teraio.core.plan.Prediction;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@link Simulator} found for the last simulated iteration.
 *
 * @param prediction          iteration time, ideal time, stalls, peak device memory and bytes
 *                            per tier of the last iteration; {@code null} when it ran out of memory
 * @param outOfMemory         {@code null} when the simulation ran to the end; otherwise why it could
 *                            not go on ({@code out of memory at op 12 (fwd) in iteration 0: ...})
 * @param stallNsByCause      the last iteration's stall time split by what the waiting op
 *                            waited for: {@link Simulator#WAITING_FOR_PREFETCH} and
 *                            {@link Simulator#WAITING_FOR_MEMORY} (both keys always present)
 * @param stalledOps          how many ops of the last iteration waited (misses)
 * @param worstStalls         the longest waits of the last iteration, longest first (at most 10)
 * @param iterationNs         the time of every simulated iteration that finished, in order; the
 *                            last one is {@code prediction.iterationNs()}
 * @param peakHostBytes       the most host memory offloaded tensors held at once in the last iteration
 * @param hostMemoryViolation {@code null}, or the first point of the last iteration where host
 *                            memory exceeded the hardware's {@code hostMemoryBytes}
 * @param demandFetches       needed tensors that no plan entry brought back, fetched by the
 *                            simulator as the runtime would (0 for a valid plan), last iteration
 * @param skippedEntries      entries of the last iteration that did not apply to their tensor's
 *                            state, such as an offload of a tensor that is not resident (0 for a
 *                            valid plan)
 * @param overheadNs          the last iteration's time the compute stream spent issuing entries: the
 *                            engine's per-migration overhead from the probe results, times the entries
 *                            (0 without probe results); {@code iterationNs = idealNs + stallNs + overheadNs}
 * @param timelines           the last iteration over time, for plots
 * @param lanes               each lane's bytes and busy time in the last iteration (every SSD in id
 *                            order, then the host tier), as the engine reports its own lanes: the
 *                            bytes of the tasks (transfers, without probe results) that completed
 *                            in it, the time with at least one in flight (empty when out of memory)
 */
public record SimulationResult(Prediction prediction, String outOfMemory, Map<String, Long> stallNsByCause,
                               int stalledOps, List<OpStall> worstStalls, List<Long> iterationNs, long peakHostBytes,
                               String hostMemoryViolation, int demandFetches, int skippedEntries,
                               long overheadNs, Timelines timelines, List<LaneStats> lanes) {
    public SimulationResult {
        stallNsByCause = Collections.unmodifiableMap(new LinkedHashMap<>(stallNsByCause));
        worstStalls = List.copyOf(worstStalls);
        iterationNs = List.copyOf(iterationNs);
        lanes = List.copyOf(lanes);
    }

    /** Whether the simulation ran to the end (did not run out of memory). */
    public boolean ran() {
        return outOfMemory == null;
    }

    /** {@code 100 * idealNs / iterationNs}: 100 means no slowdown; 0 when it ran out of memory. */
    public double percentOfIdeal() {
        return prediction == null ? 0.0 : prediction.percentOfIdeal();
    }
}
