package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.cli.DemoComparison.DemoRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoComparisonTest {
    private static DemoRun run(String label, List<Float> losses, long peak) {
        return new DemoRun(label, losses, 100_000_000L, peak, 0, 0, 0, 0, 0);
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
}
