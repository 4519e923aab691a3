package io.teraio.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanTest {
    @TempDir
    Path dir;

    static HardwareProfile hardware() {
        return new HardwareProfile(List.of(new Device(0, 40L << 30, 15_750_000_000L)),
                List.of(new Ssd(0, "/nvme0", 3_200_000_000L, 3_000_000_000L, 20_000, -1),
                        new Ssd(1, null, 6_700_000_000L, 6_500_000_000L, 0, 0)),
                128L << 30);
    }

    static Plan plan() {
        return new Plan("ab12", 420, hardware(), "teraio", List.of(
                new PlanEntry(17, "layer3.adam.m", PlanAction.OFFLOAD, PlanTarget.SSD, 1, 12, 30, false),
                new PlanEntry(17, "layer3.adam.m", PlanAction.PREFETCH, PlanTarget.SSD, 1, 250, 260, true),
                new PlanEntry(4, "op3.out0", PlanAction.OFFLOAD, PlanTarget.HOST, -1, 5, 6, false)),
                new Prediction(1_000, 900, 100, 5L << 30, 10, 10, 4, 4));
    }

    @Test
    void planAndHardwareRoundTrip() {
        for (String name : new String[] {"plan.json", "plan.json.gz"}) {
            Path file = dir.resolve(name);
            plan().write(file);
            assertEquals(plan(), Plan.read(file));
        }
        Path hw = dir.resolve("hardware.json");
        hardware().write(hw);
        assertEquals(hardware(), HardwareProfile.read(hw));
        assertEquals(90.0, plan().predicted().percentOfIdeal(), 1e-9);
    }

    @Test
    void badPlansNameTheFileAndPointer() throws IOException {
        Path file = dir.resolve("bad.json");
        String good = plan().toJson().toPrettyString();
        Files.writeString(file, good.replace("\"prefetch\"", "\"evict\""));
        assertEquals(file + ": /entries/1/action: must be \"offload\" or \"prefetch\", found \"evict\"",
                assertThrows(TeraioException.class, () -> Plan.read(file)).getMessage());
        Files.writeString(file, good.replace("\"teraio-plan\"", "\"teraio-trace\""));
        assertEquals(file + ": /format: not a teraio-plan document (format is \"teraio-trace\")",
                assertThrows(TeraioException.class, () -> Plan.read(file)).getMessage());
        Files.writeString(file, good.replace("\"memoryBytes\" : 42949672960", "\"memoryBytes\" : -1"));
        assertEquals(file + ": /hardware: device 0: memoryBytes must be positive, got -1",
                assertThrows(TeraioException.class, () -> Plan.read(file)).getMessage());
        Files.writeString(file, good.substring(0, good.length() / 2));
        assertEquals(true, assertThrows(TeraioException.class, () -> Plan.read(file)).getMessage()
                .contains("truncated JSON"));
    }

    @Test
    void digestIgnoresCompressionButNotContent() {
        Trace a = new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, 1)),
                List.of(new Tensor(0, "w", 64, TensorKind.PARAMETER, true, true, 0)),
                List.of(new Op(0, "mm", 10, new int[] {0}, new int[0], new int[0])));
        Trace b = new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, 1)),
                List.of(new Tensor(0, "w", 64, TensorKind.PARAMETER, true, true, 0)),
                List.of(new Op(0, "mm", 11, new int[] {0}, new int[0], new int[0])));
        assertEquals(TraceDigest.sha256(a), TraceDigest.sha256(a));
        assertNotEquals(TraceDigest.sha256(a), TraceDigest.sha256(b));
        assertEquals(64, TraceDigest.sha256(a).length());
    }
}
