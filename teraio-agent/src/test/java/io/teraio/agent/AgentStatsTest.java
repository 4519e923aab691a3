package io.teraio.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.session.AgentStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentStatsTest {
    @TempDir
    Path dir;

    @Test
    void theStatsFileHasTheAgreedFieldsAndTheSummaryIsOneLine() {
        AgentStats stats = new AgentStats("auto", 12, 2, 8, 20 << 20, 19 << 20, 6 << 20, 3 << 20, 31_000_000, 0, 1, 4_577_832,
                5_626_408, 4_710_400, 4_577_832, 5_626_408, 500L << 20, 3L << 30,
                "unavailable: self-check against libtorch 2.7.1 failed: it threw x", null);
        stats.write(dir.resolve("s.json"));
        JsonNode json = JsonFiles.read(dir.resolve("s.json"));
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("mode", "iterations", "profiledIterations", "planEntries", "bytesOffloaded",
                "bytesPrefetched", "zeroBytesSkipped", "unchangedBytesNotWritten", "stallNanos", "misses", "divergences", "peakResidentBytes",
                "unconstrainedPeakBytes", "budgetBytes", "predictedPeakBytes", "predictedUnconstrainedBytes",
                "processPeakRssBytes", "deviceUsedBytes", "torchBridge"), names);
        assertEquals(4_710_400, json.get("budgetBytes").asLong());
        assertEquals("teraio-agent auto: 12 iterations (2 profiled), plan 8 entries, offloaded 20.00 MiB, prefetched"
                + " 19.00 MiB (all-zero, not moved: 6.00 MiB; unchanged, not written again: 3.00 MiB), stalls 31.00 ms, misses 0,"
                + " divergences 1, peak resident 4.37 MiB of budget 4.49 MiB"
                + " (unconstrained 5.37 MiB, predicted 4.37 MiB); process peak RSS 500.00 MiB, device used 3.00 GiB (CUDA)",
                stats.summary());
        assertEquals(stats, AgentStats.read(dir.resolve("s.json")), "what is written reads back the same");
        assertFalse(stats.summary().contains("\n"));
    }

    @Test
    void anErrorIsReportedInBoth() {
        AgentStats stats = new AgentStats("auto", 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 5, 0, 0, -1, -1, null, "planning: no fit");
        assertEquals("planning: no fit", stats.toJson().get("error").asText());
        assertEquals(true, stats.summary().endsWith("; stopped: planning: no fit"));
    }
}
