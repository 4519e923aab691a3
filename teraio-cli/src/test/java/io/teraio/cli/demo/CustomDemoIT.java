package io.teraio.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.storage.Availability;
import io.teraio.examples.custom.ComputeBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code teraio demo --workload custom}: both runs, the table, the JSON, nothing left on disk. */
class CustomDemoIT {
    @TempDir
    Path dir;

    @Test
    void theCustomDemoTrainsTheSameModelInHalfTheMemory() throws Exception {
        CliRunner r = CliRunner.run("demo", "--workload", "custom", "--out", dir.toString(), "--layers", "8",
                "--iterations", "4");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("identical (bitwise)"), r.out());
        assertTrue(r.out().contains(", respected"), r.out());
        String compute = ComputeBackend.select("auto", 0).backend().id();
        assertTrue(r.out().contains("compute auto: " + compute), r.out());
        assertTrue(r.out().contains("custom mlp on " + compute), r.out());
        JsonNode json = JsonFiles.read(dir.resolve("custom-demo.json"));
        assertEquals("custom mlp on " + compute, json.get("workload").asText());
        assertTrue(json.get("lossesIdentical").asBoolean());
        assertTrue(json.get("withinBudget").asBoolean());
        assertEquals(4, json.get("offload").get("losses").size());
        assertTrue(json.get("offload").get("bytesOffloaded").asLong() > 0, json.toString());
        assertTrue(json.get("budgetBytes").asLong() * 2 <= json.get("baseline").get("peakResidentBytes").asLong());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "only custom-demo.json is left");
        }
    }

    @Test
    void onTwoDevicesEachTrainsItsShardInHalfTheMemoryAndTheLossesAreTheSame() throws Exception {
        CliRunner r = CliRunner.run("demo", "--workload", "custom", "--devices", "2", "--out", dir.toString(),
                "--layers", "8", "--iterations", "4");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("data-parallel on 2 emulated devices"), r.out());
        assertTrue(r.out().contains("identical (bitwise)"), r.out());
        JsonNode json = JsonFiles.read(dir.resolve("custom-demo.json"));
        assertEquals("custom mlp data-parallel on 2 devices (cpu)", json.get("workload").asText());
        assertTrue(json.get("lossesIdentical").asBoolean());
        assertTrue(json.get("withinBudget").asBoolean());
        assertTrue(json.get("offload").get("bytesOffloaded").asLong() > 0, json.toString());
        assertTrue(json.get("budgetBytes").asLong() * 2 <= json.get("baseline").get("peakResidentBytes").asLong());
        // each device's memory as the OS counts it (its arena's pages in RAM), printed and in the JSON:
        // each goes down by at least 0.8 x what teraio's ledger says it saved
        long ledgerSaved = json.get("savedBytes").asLong();
        JsonNode without = json.get("baseline").get("deviceSystemPeakBytes");
        JsonNode with = json.get("offload").get("deviceSystemPeakBytes");
        assertEquals(2, without.size(), json.toString());
        assertEquals(2, with.size(), json.toString());
        for (int d = 0; d < 2; d++) {
            assertTrue(r.out().contains("device " + d + " memory (OS)"), r.out());
            long saved = without.get(d).asLong() - with.get(d).asLong();
            assertTrue(with.get(d).asLong() > 0 && saved >= 0.8 * ledgerSaved, "device " + d + ": " + without
                    + " -> " + with + ", the ledger's saving " + ledgerSaved);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "only custom-demo.json is left, not the devices' directories");
        }
    }

    @Test
    void devicesOutOfRangeOrWithCudaOrTheDjlWorkloadAreUsageErrors() {
        CliRunner r = CliRunner.run("demo", "--workload", "custom", "--devices", "0", "--out", dir.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--devices must be 1 to 8, got 0"), r.err());
        r = CliRunner.run("demo", "--workload", "custom", "--devices", "2", "--compute", "cuda", "--out",
                dir.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--devices 2 trains on the CPU"), r.err());
        r = CliRunner.run("demo", "--devices", "2", "--out", dir.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--devices is for --workload custom"), r.err());
    }

    @Test
    void tooFewStepsIsAUsageError() {
        CliRunner r = CliRunner.run("demo", "--workload", "custom", "--out", dir.toString(), "--iterations", "3");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--iterations must be at least 4"), r.err());
    }

    @Test
    void computeCudaWithoutAGpuIsAUsageErrorThatSaysWhy() {
        Availability cuda = ComputeBackend.CUDA.availability(0);
        assumeFalse(cuda.available(), "a GPU is usable here, so compute cuda runs (CudaTrainerGpuTest)");
        CliRunner r = CliRunner.run("demo", "--workload", "custom", "--compute", "cuda", "--out", dir.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("compute cuda: " + cuda.reason() + "; use compute cpu or auto",
                r.err().lines().findFirst().orElse(""));
    }

    @Test
    void anUnknownWorkloadIsAUsageError() {
        CliRunner r = CliRunner.run("demo", "--workload", "nope", "--out", dir.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--workload must be djl or custom"), r.err());
    }
}
