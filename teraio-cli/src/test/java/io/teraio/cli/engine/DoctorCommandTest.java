package io.teraio.cli.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.gds.Cuda;
import io.teraio.gds.Gds;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** doctor on this machine: directories measured for real, GDS and CUDA with their precise reasons. */
class DoctorCommandTest {
    @TempDir
    Path dir;

    @Test
    void reportsDirectoriesGdsAndCudaWithTheirReasons() throws Exception {
        Path ssd = Files.createDirectory(dir.resolve("ssd"));
        CliRunner r = CliRunner.run("doctor", "--dir", ssd.toString(), "--dir", dir.resolve("missing").toString(),
                "--probe", "--probe-size", "16m", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("java").get("ok").asBoolean());
        String dir0 = json.get("dir0").get("found").asText();
        assertTrue(dir0.startsWith(ssd + ": "), dir0);
        assertTrue(dir0.contains("O_DIRECT yes") && dir0.matches(".*write .*/s, read .*/s \\(16\\.00 MiB\\); at once read"
                + " .*/s while writing .*/s; one 4\\.00 MiB task: read .*, write .*; host tier: to host .*/s, from host .*/s"),
                dir0);
        assertFalse(json.get("dir1").get("ok").asBoolean());
        assertEquals(dir.resolve("missing") + ": not a directory", json.get("dir1").get("found").asText());
        assertEquals(Gds.isAvailable(), json.get("gds").get("ok").asBoolean());
        if (!Gds.isAvailable()) {
            assertEquals("unavailable: " + Gds.unavailabilityCause(), json.get("gds").get("found").asText());
            assertTrue(json.get("backend").get("found").asText().startsWith("backend auto: posix (O_DIRECT files),"
                    + " because cuFile is not available: "), json.get("backend").toString());
        }
        if (!Cuda.availability(0).available()) {
            assertEquals("none: " + Cuda.availability(0).reason(), json.get("cuda").get("found").asText());
        }
        assertTrue(json.get("djl").get("found").asText().contains("PtEngine"), json.get("djl").toString());
        try (var left = Files.list(ssd)) {
            assertEquals(0, left.count(), "doctor leaves nothing in the directories it checks");
        }
    }

    @Test
    void backendGdsWithoutCuFileIsReportedAsTheFailureItWouldBe() {
        assumeFalse(Gds.isAvailable(), "cuFile is available here");
        CliRunner r = CliRunner.run("doctor", "-c", "backend=gds");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("backend  no  backend gds: cuFile is not available: " + Gds.unavailabilityCause()
                + "; use backend=auto or backend=posix"), r.out());
        assertTrue(r.out().contains("gds      no  unavailable: "), r.out());
    }

    @Test
    void benchGdsMeasuresTheHostBaselineAndSaysWhyTheGpuPathsDidNotRun() throws Exception {
        CliRunner r = CliRunner.run("bench-gds", "--dir", dir.toString(), "--size", "16m", "--block", "1m", "--qd",
                "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode paths = new ObjectMapper().readTree(r.out()).get("paths");
        assertEquals("host", paths.get(2).get("path").asText());
        assertTrue(paths.get(2).get("writeBytesPerSecond").asLong() > 0, r.out());
        assertTrue(paths.get(2).get("readBytesPerSecond").asLong() > 0, r.out());
        if (!Cuda.availability(0).available()) {
            assertEquals(Cuda.availability(0).reason(), paths.get(1).get("skipped").asText());
            assertTrue(paths.get(0).has("skipped"), r.out());
        }
        r = CliRunner.run("bench-gds", "--dir", dir.toString(), "--block", "1000");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--block a positive multiple of 4k"), r.err());
    }
}
