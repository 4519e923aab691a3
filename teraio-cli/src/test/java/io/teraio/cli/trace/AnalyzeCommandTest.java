package io.teraio.cli.trace;

import static io.teraio.cli.HandBuiltTrace.ADAM_NS;
import static io.teraio.cli.HandBuiltTrace.BWD_NS;
import static io.teraio.cli.HandBuiltTrace.FWD_NS;
import static io.teraio.cli.HandBuiltTrace.LOSS_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.cli.CliRunner;
import io.teraio.cli.HandBuiltTrace;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.core.trace.TraceWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code analyze} of a small training job recorded by hand ({@link HandBuiltTrace}). Every
 * expected number below is worked out by hand from its ops.
 */
class AnalyzeCommandTest {
    @TempDir
    Path dir;

    @Test
    void recordedTraceReadsBackEqual() {
        Trace recorded = HandBuiltTrace.record();
        for (String name : new String[] {"tiny.json", "tiny.json.gz"}) {
            Path file = dir.resolve(name);
            TraceWriter.write(recorded, file);
            assertEquals(recorded, TraceReader.read(file), name);
        }
    }

    @Test
    void analyzeJsonReportsHandComputedNumbers() throws Exception {
        Path file = dir.resolve("tiny.json.gz");
        TraceWriter.write(HandBuiltTrace.record(), file);

        CliRunner r = CliRunner.run("analyze", file.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());

        assertEquals(5, j.get("tensorCount").asInt());
        assertEquals(8, j.get("opCount").asInt());
        assertEquals(2, j.get("iterationCount").asInt());
        assertEquals(32_000, j.get("totalBytes").asLong());
        assertEquals(43_000_000, j.get("totalDurationNs").asLong());
        // 28000 B persistent at every op, plus the live activation during fwd, loss and bwd.
        assertEquals(30_000, j.get("peakLiveBytes").asLong());
        assertEquals(0, j.get("peakLiveOp").asInt());
        // Active/live per op: fwd 6000/30000, loss 2000/30000, bwd 6000/30000,
        // adam 12000/28000 in iteration 0 and 28000/28000 in iteration 1; weighted by time.
        double weighted = 2 * (FWD_NS * 0.2 + LOSS_NS * (2.0 / 30) + BWD_NS * 0.2)
                + ADAM_NS * (12.0 / 28) + ADAM_NS * 1.0;
        assertEquals(weighted / 43_000_000, j.get("meanActiveFraction").asDouble(), 1e-12);
        assertEquals(1.0, j.get("maxActiveFraction").asDouble(), 1e-12);
        // Idle periods: weight during each loss (0.5 ms, twice); Adam state from the first
        // step to the second (fwd+loss+bwd = 6.5 ms) and from the trace start to the first
        // step (6.5 ms); the EMA copy from the trace start to the second step (28 ms).
        assertEquals(8000 + 16000, j.get("idleBytesOver1ms").asLong());
        assertEquals(16000, j.get("idleBytesOver10ms").asLong());
        assertEquals(0, j.get("idleBytesOver100ms").asLong());

        JsonNode h = j.get("idleHistogram");
        long[] expectedCounts = {0, 0, 2, 2, 1, 0, 0};
        long[] expectedBytes = {0, 0, 8000, 16000, 16000, 0, 0};
        long[] expectedBounds = {10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000};
        assertEquals(expectedCounts.length, h.size());
        for (int i = 0; i < expectedCounts.length; i++) {
            assertEquals(expectedCounts[i], h.get(i).get("periods").asLong(), "periods in bucket " + i);
            assertEquals(expectedBytes[i], h.get(i).get("bytes").asLong(), "bytes in bucket " + i);
            if (i < expectedBounds.length) {
                assertEquals(expectedBounds[i], h.get(i).get("lessThanNs").asLong());
            } else {
                assertTrue(h.get(i).get("lessThanNs").isNull());
            }
        }
    }

    @Test
    void analyzeTableIsReadable() {
        Path file = dir.resolve("tiny.json");
        TraceWriter.write(HandBuiltTrace.record(), file);

        CliRunner r = CliRunner.run("analyze", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith(file + ": tiny-mlp (test, hand-built, cpu)"), r.out());
        assertTrue(r.out().contains("peak live bytes    29.30 KiB at op 0 (fwd)"), r.out());
        assertTrue(r.out().contains("8 in 2 iterations, 43.00 ms of compute"), r.out());
        assertTrue(r.out().contains("idle > 10 ms       15.63 KiB"), r.out());
        assertEquals("", r.err());
    }
}
