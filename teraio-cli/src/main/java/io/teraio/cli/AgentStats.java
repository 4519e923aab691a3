package io.teraio.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.core.TeraioException;
import io.teraio.core.json.JsonFiles;
import java.nio.file.Path;

/**
 * The statistics the teraio agent writes at exit ({@code stats=FILE}).
 *
 * @param mode                        {@code profile}, {@code offload} or {@code auto}
 * @param iterations                  training steps seen
 * @param profiledIterations          steps recorded into the trace
 * @param planEntries                 entries of the plan applied
 * @param bytesOffloaded              bytes written to storage
 * @param bytesPrefetched             bytes read back
 * @param stallNanos                  compute time spent waiting for tensors
 * @param misses                      tensors needed but not prefetched in time
 * @param divergences                 steps where the op sequence left the profile
 * @param peakResidentBytes           the most bytes of tracked tensors resident at once while offloading
 * @param unconstrainedPeakBytes      the same while profiling, before anything was offloaded
 * @param budgetBytes                 the device memory budget
 * @param predictedPeakBytes          the simulator's peak under the plan
 * @param predictedUnconstrainedBytes the simulator's peak without offloading
 * @param error                       why the agent stopped working, or null
 */
public record AgentStats(String mode, long iterations, long profiledIterations, long planEntries,
                         long bytesOffloaded, long bytesPrefetched, long stallNanos, long misses, long divergences,
                         long peakResidentBytes, long unconstrainedPeakBytes, long budgetBytes,
                         long predictedPeakBytes, long predictedUnconstrainedBytes, String error) {

    /**
     * Reads the agent's stats file.
     *
     * @throws TeraioException naming the file and the missing key
     */
    public static AgentStats read(Path file) {
        JsonNode root = JsonFiles.read(file);
        return new AgentStats(root.path("mode").asText(""), number(root, "iterations", file),
                number(root, "profiledIterations", file), number(root, "planEntries", file),
                number(root, "bytesOffloaded", file), number(root, "bytesPrefetched", file),
                number(root, "stallNanos", file), number(root, "misses", file), number(root, "divergences", file),
                number(root, "peakResidentBytes", file), number(root, "unconstrainedPeakBytes", file),
                number(root, "budgetBytes", file), number(root, "predictedPeakBytes", file),
                number(root, "predictedUnconstrainedBytes", file),
                root.hasNonNull("error") ? root.get("error").asText() : null);
    }

    private static long number(JsonNode root, String key, Path file) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToLong()) {
            throw new TeraioException(file + ": the agent's stats have no number '" + key + "'");
        }
        return n.asLong();
    }
}
