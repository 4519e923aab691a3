package io.teraio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.session.AgentStats;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL demo's model size, and the agent's stats it reads. */
class DjlDemoTest {
    @TempDir
    Path dir;

    @Test
    void sizeIsTheMlpsTrainingStateAndPicksItsHiddenWidth() {
        // 12 hidden layers of 2048: 48,291,856 parameters, 16 bytes of state each (737 MiB)
        assertEquals(48_291_856, DjlDemo.mlpParameters(2048));
        assertEquals(2048, DjlDemo.mlpHidden(Units.parseBytes("--size", DjlDemo.DEFAULT_SIZE)));
        assertEquals(2048, DjlDemo.mlpHidden(16 * 48_291_856L));
        assertEquals(1984, DjlDemo.mlpHidden(16 * 48_291_856L - 1));
        assertEquals(1024, DjlDemo.mlpHidden(16 * DjlDemo.mlpParameters(1024) + 1));
        assertThrows(TeraioException.class, () -> DjlDemo.mlpHidden(1 << 20));
    }

    @Test
    void agentStatsWithAnErrorOrAMissingKey() throws Exception {
        Path file = dir.resolve("stats.json");
        Files.writeString(file, "{\"mode\": \"auto\", \"iterations\": 8, \"profiledIterations\": 2,"
                + " \"planEntries\": 4, \"bytesOffloaded\": 10, \"bytesPrefetched\": 10, \"stallNanos\": 0,"
                + " \"misses\": 0, \"divergences\": 0, \"peakResidentBytes\": 5, \"unconstrainedPeakBytes\": 9,"
                + " \"budgetBytes\": 6, \"predictedPeakBytes\": 5, \"predictedUnconstrainedBytes\": 9,"
                + " \"error\": \"disk full\"}");
        AgentStats stats = AgentStats.read(file);
        assertEquals(9, stats.unconstrainedPeakBytes());
        assertEquals("disk full", stats.error());

        Files.writeString(file, "{\"mode\": \"auto\"}");
        TeraioException e = assertThrows(TeraioException.class, () -> AgentStats.read(file));
        assertEquals(file + ": the agent's stats have no number 'iterations'", e.getMessage());
    }
}
