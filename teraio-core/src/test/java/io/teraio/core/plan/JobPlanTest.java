package io.teraio.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.TeraioException;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.internal.json.JsonFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobPlanTest {
    @TempDir
    Path dir;

    /** Two devices, an SSD each and one shared. */
    static HardwareProfile twoDevices() {
        return new HardwareProfile(List.of(new Device(0, 40L << 30, 15_750_000_000L),
                new Device(1, 40L << 30, 15_750_000_000L)),
                List.of(new Ssd(0, "/nvme0", 3_200_000_000L, 3_000_000_000L, 20_000, 0),
                        new Ssd(1, "/nvme1", 3_200_000_000L, 3_000_000_000L, 20_000, 1),
                        new Ssd(2, null, 6_700_000_000L, 6_500_000_000L, 0, -1)),
                128L << 30);
    }

    static JobPlan job() {
        HardwareProfile hw = twoDevices();
        Plan rank0 = new Plan("aa", 420, hw, "teraio", List.of(
                new PlanEntry(17, "layer3.adam.m", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 12, 30, false),
                new PlanEntry(17, "layer3.adam.m", PlanAction.PREFETCH, PlanTarget.SSD, 0, 250, 260, true)),
                new Prediction(1_000, 900, 100, 5L << 30, 10, 10, 0, 0));
        Plan rank1 = new Plan("bb", 380, hw, "teraio", List.of(
                new PlanEntry(4, "op3.out0", PlanAction.OFFLOAD, PlanTarget.HOST, -1, 5, 6, false),
                new PlanEntry(9, "w", PlanAction.OFFLOAD, PlanTarget.SSD, 2, 7, 9, false)),
                new Prediction(1_100, 950, 150, 6L << 30, 20, 0, 4, 4));
        return new JobPlan(hw, "teraio", List.of(rank0, rank1),
                JobPlan.jobPrediction(List.of(rank0.predicted(), rank1.predicted())));
    }

    @Test
    void aJobOfSeveralDevicesRoundTripsAsVersion2() throws IOException {
        for (String name : new String[] {"plan.json", "plan.json.gz"}) {
            Path file = dir.resolve(name);
            job().write(file);
            assertEquals(job(), JobPlan.read(file));
        }
        JsonNode json = JsonFiles.read(dir.resolve("plan.json"));
        assertEquals(2, json.get("version").asInt());
        assertEquals(1, json.get("entries").get(2).get("device").asInt());
        assertEquals(4, json.get("entries").get(2).get("tensor").asInt());
        assertEquals(1, json.get("traces").get(1).get("device").asInt());
        assertEquals(new Prediction(1_100, 950, 150, 6L << 30, 30, 10, 4, 4), job().predicted());
    }

    @Test
    void aVersion1PlanReadsAsDevice0AndAJobOfOneDeviceWritesVersion1() throws IOException {
        Path file = dir.resolve("v1.json");
        PlanTest.plan().write(file);
        JobPlan read = JobPlan.read(file);
        assertEquals(1, read.devices().size());
        assertEquals(PlanTest.plan(), read.devices().get(0));
        assertEquals(PlanTest.plan().predicted(), read.predicted());
        Path again = dir.resolve("again.json");
        JobPlan.of(PlanTest.plan()).write(again);
        assertEquals(Files.readString(file), Files.readString(again));
        assertEquals(PlanTest.plan(), Plan.read(again));
    }

    @Test
    void badJobPlansNameTheFileAndPointer() throws IOException {
        assertEquals("bad.json: /entries/2/device: device 2 does not exist (the hardware's devices are 0..1)",
                error(o -> ((ObjectNode) o.get("entries").get(2)).put("device", 2)));
        assertEquals("bad.json: /traces: 2 devices in /hardware, but 1 traces (one per device)",
                error(o -> ((ArrayNode) o.get("traces")).remove(1)));
        assertEquals("bad.json: /traces/1/device: must be 1 (traces are listed by device, 0, 1, ...), found 0",
                error(o -> ((ObjectNode) o.get("traces").get(1)).put("device", 0)));
        assertEquals("bad.json: /entries/0: missing required key \"device\"",
                error(o -> ((ObjectNode) o.get("entries").get(0)).remove("device")));
        assertEquals("bad.json: /version: unsupported teraio-plan version 3; this teraio reads versions 1 and 2",
                error(o -> o.put("version", 3)));
        Path file = dir.resolve("good.json");
        job().write(file);
        TeraioException e = assertThrows(TeraioException.class, () -> Plan.read(file));
        assertEquals(file + ": /version: a plan for several devices (version 2); this reads one device's plan"
                + " (version 1)", e.getMessage());
    }

    private String error(java.util.function.Consumer<ObjectNode> breakIt) throws IOException {
        ObjectNode json = job().toJson();
        breakIt.accept(json);
        Path file = dir.resolve("bad.json");
        Files.writeString(file, json.toPrettyString());
        TeraioException e = assertThrows(TeraioException.class, () -> JobPlan.read(file));
        return e.getMessage().replace(dir + "/", "");
    }
}
