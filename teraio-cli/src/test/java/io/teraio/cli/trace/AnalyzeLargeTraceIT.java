package io.teraio.cli.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceWriter;
import io.teraio.fixtures.SyntheticWorkload;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 250k-op trace (the size of a Llama3-70B iteration) is analyzed by the runnable jar in a
 * JVM capped at 512 MiB of heap: the reader streams rather than building a document tree.
 */
class AnalyzeLargeTraceIT {
    @TempDir
    Path dir;

    @Test
    void analyzesA250kOpTraceIn512MiB() throws Exception {
        Trace trace = SyntheticWorkload.withApproxOps(250_000).trace();
        assertTrue(trace.ops().size() >= 237_500, "only " + trace.ops().size() + " ops");
        Path file = dir.resolve("large.json.gz");
        TraceWriter.write(trace, file);

        String jar = System.getProperty("teraio.cli.jar");
        assertTrue(jar != null && new File(jar).isFile(), "the runnable jar is not built: " + jar);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stdout = dir.resolve("stdout.json");
        Path stderr = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(List.of(java, "-Xmx512m", "-jar", jar, "analyze", file.toString(), "--json"))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "analyze did not finish in 120 s");
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);

        JsonNode j = new ObjectMapper().readTree(stdout.toFile());
        assertEquals(trace.ops().size(), j.get("opCount").asInt());
        assertEquals(trace.tensors().size(), j.get("tensorCount").asInt());
        assertEquals(trace.iterations().size(), j.get("iterationCount").asInt());
        assertTrue(j.get("peakLiveBytes").asLong() > 0);
    }
}
