package io.teraio.core.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.internal.ProcessMemory;
import io.teraio.core.internal.json.JsonFiles;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the DJL agent reports at exit: the stats JSON ({@code stats=}) and the one-line summary
 * on stderr. Written on every exit, a failed one included, with whatever was known by then; read
 * back by {@code teraio demo}. In core so that the agent, which writes it, and the CLI, which
 * reads it, share one definition of the file.
 *
 * @param mode                        the agent's mode
 * @param iterations                  training iterations seen ({@code Trainer#step} calls)
 * @param profiledIterations          iterations recorded into the trace
 * @param planEntries                 entries of the plan applied (0 when none)
 * @param bytesOffloaded              bytes written to storage by offloads
 * @param bytesPrefetched             bytes read back (prefetches and misses)
 * @param zeroBytesSkipped            of those offloaded and read back, the bytes of tasks found all zero, neither
 *                                    written nor read ({@code io.skipZeros}; a zeroed gradient, say), counted at each
 * @param unchangedBytesNotWritten    bytes offloaded without a write because they had not changed since their last
 *                                    write: the copy on storage was taken again (a parameter between forward and
 *                                    backward, say; libtorch's version counters tell, with the PyTorch bridge)
 * @param stallNanos                  time the training thread waited for tensors
 * @param misses                      tensors needed but not prefetched (fetched at once)
 * @param divergences                 iterations whose op sequence left the profile's (plan stopped for them)
 * @param peakResidentBytes           most bytes of tracked arrays resident at once: over the iterations
 *                                    after the plan started applying; in profile mode over the profiled ones
 * @param unconstrainedPeakBytes      peak of tracked array bytes in the profiled iterations
 * @param budgetBytes                 the device budget ({@code deviceMemory})
 * @param predictedPeakBytes          the simulator's peak resident bytes with the plan (0 without a plan)
 * @param predictedUnconstrainedBytes the simulator's peak without offloading (0 without a plan)
 * @param processPeakRssBytes         the whole process's peak resident bytes as the operating system counts them
 *                                    ({@code VmHWM}: Java heap, native memory, libraries), not teraio's ledger;
 *                                    {@link ProcessMemory#UNAVAILABLE} where the system does not say (not Linux)
 * @param deviceUsedBytes             with {@code memory=cuda}: the device's used bytes at exit as CUDA counts them
 *                                    ({@code cudaMemGetInfo}); -1 with host memory
 * @param torchBridge                 whether the PyTorch bridge works here: {@code available: <what loaded>} or
 *                                    {@code unavailable: <why>}; null where it was not checked ({@code torchBridge=false},
 *                                    or training ended before its first step)
 * @param error                       why the agent stopped working, or null
 */
public record AgentStats(String mode, long iterations, long profiledIterations, long planEntries, long bytesOffloaded,
                         long bytesPrefetched, long zeroBytesSkipped, long unchangedBytesNotWritten, long stallNanos, long misses, long divergences,
                         long peakResidentBytes, long unconstrainedPeakBytes, long budgetBytes, long predictedPeakBytes,
                         long predictedUnconstrainedBytes, long processPeakRssBytes, long deviceUsedBytes,
                         String torchBridge, String error) {

    public ObjectNode toJson() {
        ObjectNode root = JsonFiles.mapper().createObjectNode();
        root.put("mode", mode);
        root.put("iterations", iterations);
        root.put("profiledIterations", profiledIterations);
        root.put("planEntries", planEntries);
        root.put("bytesOffloaded", bytesOffloaded);
        root.put("bytesPrefetched", bytesPrefetched);
        root.put("zeroBytesSkipped", zeroBytesSkipped);
        root.put("unchangedBytesNotWritten", unchangedBytesNotWritten);
        root.put("stallNanos", stallNanos);
        root.put("misses", misses);
        root.put("divergences", divergences);
        root.put("peakResidentBytes", peakResidentBytes);
        root.put("unconstrainedPeakBytes", unconstrainedPeakBytes);
        root.put("budgetBytes", budgetBytes);
        root.put("predictedPeakBytes", predictedPeakBytes);
        root.put("predictedUnconstrainedBytes", predictedUnconstrainedBytes);
        root.put("processPeakRssBytes", processPeakRssBytes);
        root.put("deviceUsedBytes", deviceUsedBytes);
        if (torchBridge != null) {
            root.put("torchBridge", torchBridge);
        }
        if (error != null) {
            root.put("error", error);
        }
        return root;
    }

    /** Writes {@link #toJson()} to {@code file} (atomically). */
    public void write(Path file) {
        JsonFiles.write(toJson(), file);
    }

    /** The one-line summary printed to stderr at exit. */
    public String summary() {
        return String.format(Locale.ROOT, "teraio-agent %s: %d iterations (%d profiled), plan %d entries, offloaded %s,"
                        + " prefetched %s (all-zero, not moved: %s; unchanged, not written again: %s), stalls %s, misses %d, divergences %d, peak resident %s of budget %s"
                        + " (unconstrained %s, predicted %s); process peak RSS %s%s%s",
                mode, iterations, profiledIterations, planEntries, Units.formatBytes(bytesOffloaded),
                Units.formatBytes(bytesPrefetched), Units.formatBytes(zeroBytesSkipped), Units.formatBytes(unchangedBytesNotWritten), Units.formatNanos(stallNanos), misses, divergences,
                Units.formatBytes(peakResidentBytes), Units.formatBytes(budgetBytes),
                Units.formatBytes(unconstrainedPeakBytes), Units.formatBytes(predictedPeakBytes),
                processPeakRssBytes < 0 ? "unknown" : Units.formatBytes(processPeakRssBytes),
                deviceUsedBytes < 0 ? "" : ", device used " + Units.formatBytes(deviceUsedBytes) + " (CUDA)",
                error == null ? "" : "; stopped: " + error);
    }

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
                root.path("zeroBytesSkipped").asLong(0), root.path("unchangedBytesNotWritten").asLong(0),
                number(root, "stallNanos", file), number(root, "misses", file), number(root, "divergences", file),
                number(root, "peakResidentBytes", file), number(root, "unconstrainedPeakBytes", file),
                number(root, "budgetBytes", file), number(root, "predictedPeakBytes", file),
                number(root, "predictedUnconstrainedBytes", file),
                root.path("processPeakRssBytes").asLong(ProcessMemory.UNAVAILABLE), root.path("deviceUsedBytes").asLong(-1),
                root.hasNonNull("torchBridge") ? root.get("torchBridge").asText() : null,
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
