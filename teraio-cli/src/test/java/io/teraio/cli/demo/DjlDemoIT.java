package io.teraio.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code teraio demo} end to end, as a user runs it: the CLI jar, which runs this trainer in
 * two child JVMs, without and with the agent jar; the table, the verdicts and the JSON.
 */
class DjlDemoIT {
    private static final int STEPS = 6;

    @TempDir
    Path dir;

    @Test
    void theDjlDemoTrainsTheSameLossesUnderABudgetOnlyOffloadingMeets() throws Exception {
        Path home = Path.of(System.getProperty("teraio.home")).toAbsolutePath().normalize();
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dteraio.home=" + home, "-jar", home.resolve("teraio-cli/target/teraio.jar").toString(), "demo",
                "--steps", Integer.toString(STEPS), "--out", dir.toString()))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "the demo did not end in 600 s");
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("[3/3] with teraio (auto)"), output);
        assertTrue(output.contains("identical (bitwise)"), output);
        assertTrue(output.contains(", respected"), output);

        JsonNode demo = new ObjectMapper().readTree(dir.resolve("demo.json").toFile());
        assertEquals("djl mlp", demo.get("workload").asText());
        assertTrue(demo.get("lossesIdentical").asBoolean(), output);
        assertTrue(demo.get("withinBudget").asBoolean(), output);
        assertEquals(STEPS, demo.get("offload").get("losses").size());
        long budget = demo.get("budgetBytes").asLong();
        long unconstrained = demo.get("baseline").get("peakResidentBytes").asLong();
        assertTrue(unconstrained >= 3 * budget, "a third of the peak or less: " + unconstrained + " vs " + budget);
        assertTrue(demo.get("offload").get("bytesOffloaded").asLong() > 0, output);
        assertTrue(demo.get("offload").get("peakResidentBytes").asLong() <= budget, output);
        // the OS's count of each child JVM: its peak, more than its fixed heap; the saving is theirs, any sign
        for (String run : List.of("baseline", "offload")) {
            JsonNode r = demo.get(run);
            assertEquals(256L << 20, r.get("heapCommittedBytes").asLong(), output);
            assertTrue(r.get("peakRssBytes").asLong() > r.get("heapCommittedBytes").asLong(), output);
            assertEquals(r.get("peakRssBytes").asLong() - r.get("heapCommittedBytes").asLong(),
                    r.get("nativePeakRssBytes").asLong());
        }
        assertEquals(demo.get("baseline").get("peakRssBytes").asLong() - demo.get("offload").get("peakRssBytes").asLong(),
                demo.get("osSavedBytes").asLong());
        assertTrue(demo.get("osSavingMeetsPrediction").isBoolean(), output);
        // What the OS saw saved: an agent that kept the tensors it offloads (as with
        // -Dteraio.agent.test.keepOffloadedTensors=true, which makes this fail) would hold every
        // offloaded byte, several times the prediction; its code and buffers cost less than half of it
        long predicted = demo.get("predictedSavedBytes").asLong();
        assertTrue(demo.get("osSavedBytes").asLong() >= predicted / 2, "the OS saw " + demo.get("osSavedBytes")
                + " bytes saved, the plan predicted " + predicted + ": " + output);
        assertTrue(output.contains("process peak RSS") && output.contains("teraio's ledger"), output);
        JsonNode plan = new ObjectMapper().readTree(dir.resolve("plan.json").toFile());
        assertTrue(plan.get("entries").size() > 0, "auto mode writes the plan it applied");
        plan.get("entries").forEach(e -> assertEquals("ssd", e.get("target").asText(),
                "the demo offloads to its directory, not to host memory: " + e));
        // through the torch bridge, parameters and their gradients move too, not AdamW's state alone
        List<String> keys = new java.util.ArrayList<>();
        plan.get("entries").forEach(e -> keys.add(e.get("key").asText()));
        assertTrue(keys.stream().anyMatch(k -> k.matches("\\d+Linear_weight")), keys.toString());
        assertTrue(keys.stream().anyMatch(k -> k.endsWith(".grad")), keys.toString());
        assertTrue(Files.isRegularFile(dir.resolve("trace.json.gz")), "the agent's trace stays in --out");
    }
}
