package io.teraio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.demo.DemoComparison.DemoRun;
import io.teraio.demo.DemoComparison.ProcessPeak;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoComparisonTest {
    private static DemoRun run(String label, List<Float> losses, long peak) {
        return new DemoRun(label, losses, 100_000_000L, peak, 0, 0, 0, 0, 0, ProcessPeak.UNMEASURED);
    }

    @Test
    void lossesMustBeBitwiseEqual() {
        DemoComparison same = new DemoComparison("custom mlp", 600, run("without", List.of(1.5f, 0.5f), 1000),
                run("with", List.of(1.5f, 0.5f), 550), 500, 1000);
        assertTrue(same.lossesIdentical());
        assertTrue(same.withinBudget());
        assertEquals(450, same.savedBytes());
        assertEquals(-0.1, same.savedError(), 1e-9);

        // 0.0 and -0.0 compare equal as floats but are different bits
        DemoComparison signed = new DemoComparison("custom mlp", 500, run("without", List.of(0.0f), 1000),
                run("with", List.of(-0.0f), 550), 500, 1000);
        assertFalse(signed.lossesIdentical());
        assertFalse(signed.withinBudget());
        DemoComparison shorter = new DemoComparison("custom mlp", 600, run("without", List.of(1f, 2f), 1000),
                run("with", List.of(1f), 550), 500, 1000);
        assertFalse(shorter.lossesIdentical());
    }

    @Test
    void tableShowsEveryStepAndTheVerdicts() {
        DemoComparison c = new DemoComparison("custom mlp", 500, run("without teraio", List.of(2f, 1f), 1000),
                run("with teraio (auto)", List.of(2f, 1.0000001f), 600), 500, 1000);
        StringWriter s = new StringWriter();
        c.printTable(new PrintWriter(s, true));
        String table = s.toString();
        assertTrue(table.contains("NO"), table);
        assertTrue(table.contains("DIFFERENT"), table);
        assertTrue(table.contains("EXCEEDED"), table);
        assertTrue(table.contains("-20.0% off the prediction"), table);
        assertEquals(false, c.toJson().get("lossesIdentical").asBoolean());
        assertEquals(2, c.toJson().get("offload").get("losses").size());
    }

    @Test
    void theOsSavingIsEachProcesssOwnPeakAndIsCheckedAgainstThePlanWithoutFailingTheDemo() {
        long mib = 1 << 20;
        DemoRun without = new DemoRun("without teraio", List.of(2f, 1f), 1000, 600 * mib, 0, 0, 0, 0, 0,
                new ProcessPeak(1500 * mib, 4, 1400 * mib, 256 * mib));
        DemoRun with = new DemoRun("with teraio (auto)", List.of(2f, 1f), 1000, 400 * mib, 0, 0, 0, 0, 0,
                new ProcessPeak(1350 * mib, 4, 1600 * mib, 256 * mib));
        DemoComparison c = new DemoComparison("djl mlp", 400 * mib, without, with, 400 * mib, 600 * mib);
        assertEquals(200 * mib, c.predictedSavedBytes());
        assertEquals(150 * mib, c.osSavedBytes());
        assertEquals(1244 * mib, without.process().nativePeakRssBytes());
        assertFalse(c.osSavingMeetsPrediction(), "150 MiB is under 0.8 x 200 MiB");
        assertTrue(c.lossesIdentical() && c.withinBudget(), "the OS check does not fail the demo");

        StringWriter s = new StringWriter();
        c.printTable(new PrintWriter(s, true));
        String table = s.toString();
        assertTrue(table.contains("1.46 GiB") && table.contains("1.32 GiB"), table);
        assertTrue(table.contains("measured 150.00 MiB") && table.contains("-25.0% off the prediction"), table);
        assertTrue(table.contains("NOT MET"), table);
        assertTrue(table.contains("before step 4") && table.contains("1.56 GiB"), table);
        assertTrue(table.contains("teraio's ledger"), table);

        JsonNode json = c.toJson();
        assertEquals(150 * mib, json.get("osSavedBytes").asLong());
        assertFalse(json.get("osSavingMeetsPrediction").asBoolean());
        assertEquals(0.8, json.get("osSavingShare").asDouble());
        assertEquals(1350 * mib, json.get("offload").get("peakRssBytes").asLong());
        assertEquals(256 * mib, json.get("offload").get("heapCommittedBytes").asLong());
        assertEquals(1094 * mib, json.get("offload").get("nativePeakRssBytes").asLong());
        assertEquals(1600 * mib, json.get("offload").get("firstStepsPeakRssBytes").asLong());
        assertEquals(4, json.get("offload").get("peakRssFromStep").asInt());

        DemoComparison enough = new DemoComparison("djl mlp", 400 * mib, without, new DemoRun("with", List.of(2f, 1f),
                1000, 400 * mib, 0, 0, 0, 0, 0, new ProcessPeak(1340 * mib, 4, 1600 * mib, 256 * mib)), 400 * mib, 600 * mib);
        assertTrue(enough.osSavingMeetsPrediction(), "160 MiB is 0.8 x 200 MiB");
    }

    @Test
    void runsSharingOneProcessHaveNoOsFigures() {
        DemoComparison c = new DemoComparison("custom mlp", 600, run("without", List.of(1f), 1000),
                run("with", List.of(1f), 550), 500, 1000);
        assertFalse(c.osMeasured());
        assertFalse(c.osSavingMeetsPrediction());
        JsonNode json = c.toJson();
        assertTrue(json.get("osSavedBytes").isNull());
        assertTrue(json.get("osSavingMeetsPrediction").isNull());
        assertEquals(-1, json.get("baseline").get("peakRssBytes").asLong());
        assertEquals(-1, json.get("baseline").get("nativePeakRssBytes").asLong());
        StringWriter s = new StringWriter();
        c.printTable(new PrintWriter(s, true));
        assertTrue(s.toString().contains("not measured: both runs share one process"), s.toString());
    }
}
