package io.teraio.core.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.teraio.core.TeraioException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hardware profile read from a file stays within the limits that keep planning inside 64 bits. */
class HardwareProfileTest {
    @TempDir
    Path dir;

    private Path profile(long memory, long pcie, long read, long latency, long host) throws IOException {
        Path file = dir.resolve("hw.json");
        Files.writeString(file, "{\"format\": \"teraio-hardware\", \"version\": 1, \"devices\": [{\"id\": 0, \"memoryBytes\": "
                + memory + ", \"pcieBytesPerSecond\": " + pcie + "}], \"ssds\": [{\"id\": 0, \"readBytesPerSecond\": " + read
                + ", \"writeBytesPerSecond\": 3000000000, \"latencyNs\": " + latency + "}], \"hostMemoryBytes\": " + host + "}");
        return file;
    }

    @Test
    void valuesAtTheLimitsAreRead() throws IOException {
        HardwareProfile hw = HardwareProfile.read(profile(HardwareProfile.MAX_MEMORY_BYTES,
                HardwareProfile.MIN_BYTES_PER_SECOND, HardwareProfile.MAX_BYTES_PER_SECOND, HardwareProfile.MAX_LATENCY_NS,
                HardwareProfile.MAX_MEMORY_BYTES));
        assertEquals(HardwareProfile.MAX_LATENCY_NS, hw.ssds().get(0).latencyNs());
        assertNull(HardwarePresets.named("teraio-paper").outOfLimits());
    }

    @Test
    void valuesPastTheLimitsAreRefusedNamingTheValue() throws IOException {
        Path latency = profile(1L << 30, 1L << 34, 1L << 32, Long.MAX_VALUE, 0);
        assertEquals(latency + ": /: ssd 0: latencyNs is 9223372036854775807, more than the limit of 1000000000 (1 s)",
                assertThrows(TeraioException.class, () -> HardwareProfile.read(latency)).getMessage());
        Path slow = profile(1L << 30, 1L << 34, 1000, 0, 0);
        assertEquals(slow + ": /: ssd 0: readBytesPerSecond is 1000, less than the limit of 1048576 (1 MiB/s)",
                assertThrows(TeraioException.class, () -> HardwareProfile.read(slow)).getMessage());
        Path memory = profile(Long.MAX_VALUE, 1L << 34, 1L << 32, 0, 0);
        assertEquals(memory + ": /: device 0: memoryBytes is 9223372036854775807, more than the limit of 2^50 (1 PiB)",
                assertThrows(TeraioException.class, () -> HardwareProfile.read(memory)).getMessage());
        Path host = profile(1L << 30, 1L << 34, 1L << 32, 0, (1L << 50) + 1);
        assertEquals(host + ": /: hostMemoryBytes is 1125899906842625, more than the limit of 2^50 (1 PiB)",
                assertThrows(TeraioException.class, () -> HardwareProfile.read(host)).getMessage());
    }

    @Test
    void profilesBuiltInCodeAreCheckedOnRequest() {
        HardwareProfile fast = new HardwareProfile(List.of(new Device(0, 1L << 30, Long.MAX_VALUE)), List.of(), 0);
        assertEquals("device 0: pcieBytesPerSecond is 9223372036854775807, more than the limit of 2^50 (1 PiB/s)",
                fast.outOfLimits());
    }

    @Test
    void differencesNameWhatDiffersBeyondTheToleranceOfAMeasurement() {
        long gib = 1L << 30;
        HardwareProfile plan = new HardwareProfile(List.of(new Device(0, 3 * gib, 32 * gib)),
                List.of(new Ssd(0, "/nvme0", 2 * gib, gib, 100_000, -1)), 0);
        assertEquals(List.of(), plan.differencesFrom(plan, "plan"));
        // 9% slower reads and 5% longer latency are within a probe's spread; not named
        HardwareProfile near = new HardwareProfile(List.of(new Device(0, 3 * gib, 32 * gib)),
                List.of(new Ssd(0, "/elsewhere", Math.round(2 * gib * 0.91), gib, 105_000, -1)), 0);
        assertEquals(List.of(), near.differencesFrom(plan, "plan"));
        HardwareProfile replay = new HardwareProfile(List.of(new Device(0, 2 * gib, 32 * gib)),
                List.of(new Ssd(0, null, 2 * gib, gib / 2, 100_000, -1), new Ssd(1, null, 2 * gib, gib, 0, -1)),
                64 * gib);
        assertEquals(List.of("device 0 memory 2.00 GiB (plan: 3.00 GiB)", "SSD count 2 (plan: 1)",
                "ssd 0 write 512.00 MiB/s (plan: 1.00 GiB/s)", "host memory 64.00 GiB (plan: 0 B)"),
                replay.differencesFrom(plan, "plan"));
    }

    @Test
    void probeResultsRoundTripAndOldFilesWithoutThemStillRead() throws IOException {
        Path old = profile(1L << 30, 1L << 34, 1L << 32, 20_000, 0);
        HardwareProfile hw = HardwareProfile.read(old);
        assertNull(hw.probe(), "a profile from before the probe results has none");
        ProbeResults probe = new ProbeResults(4L << 20, 8, 5L << 30, 6L << 30, true, 45_000,
                List.of(new ProbeResults.SsdResults(0, 1L << 30, 900L << 20, 2_500_000, 3_000_000)));
        Path file = dir.resolve("probed.json");
        hw.withProbe(probe).write(file);
        assertEquals(hw.withProbe(probe), HardwareProfile.read(file));
        // a probe section written before verify and migrationNs were measured: no CRC, no overhead known
        Files.writeString(file, Files.readString(file)
                .replaceAll("\"verify\" : true,\\s*\"migrationNs\" : 45000,", ""));
        assertEquals(hw.withProbe(new ProbeResults(4L << 20, 8, 5L << 30, 6L << 30, false, 0, probe.ssds())),
                HardwareProfile.read(file));
        assertEquals(List.of(), hw.withProbe(probe).differencesFrom(hw, "plan"), "probe results are not compared");
    }

    @Test
    void probeResultsThatDoNotMatchTheSsdsAreRefusedNamingThePlace() throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"format\": \"teraio-hardware\", \"version\": 1, \"devices\": [{\"id\": 0, \"memoryBytes\":"
                + " 1073741824, \"pcieBytesPerSecond\": 17179869184}], \"ssds\": [], \"hostMemoryBytes\": 0, \"probe\":"
                + " {\"taskBytes\": 4194304, \"queueDepth\": 8, \"toHostBytesPerSecond\": 5000000000,"
                + " \"fromHostBytesPerSecond\": 5000000000, \"ssds\": [{\"id\": 0, \"mixedReadBytesPerSecond\": \"fast\"}]}}");
        TeraioException e = assertThrows(TeraioException.class, () -> HardwareProfile.read(file));
        assertEquals(file + ": /probe/ssds/0/mixedReadBytesPerSecond: must be an integer, found \"fast\"", e.getMessage());
        Files.writeString(file, Files.readString(file).replace(", \"ssds\": [{\"id\": 0, \"mixedReadBytesPerSecond\": \"fast\"}]",
                ", \"ssds\": [{\"id\": 0, \"mixedReadBytesPerSecond\": 1, \"mixedWriteBytesPerSecond\": 1,"
                + " \"readTaskNs\": 1, \"writeTaskNs\": 1}]"));
        e = assertThrows(TeraioException.class, () -> HardwareProfile.read(file));
        assertEquals(file + ": /: probe: results for 1 SSDs, but the profile has 0", e.getMessage());
    }

    @Test
    void aDeviceIsServedByTheSsdsMappedToItAndThoseMappedToAnyDevice() {
        long g = 1L << 30;
        HardwareProfile hw = new HardwareProfile(List.of(new Device(0, 8 * g, 16 * g), new Device(1, 4 * g, 32 * g)),
                List.of(new Ssd(0, "/a", 2 * g, g, 10, 1), new Ssd(1, "/b", 3 * g, g, 20, 0),
                        new Ssd(2, "/c", 4 * g, g, 30, -1), new Ssd(3, "/d", 5 * g, g, 40, -1)), 10 * g);
        assertEquals(List.of("/b", "/c", "/d"), hw.ssdsFor(0).stream().map(Ssd::directory).toList());
        assertEquals(List.of("/a", "/c", "/d"), hw.ssdsFor(1).stream().map(Ssd::directory).toList());
    }
}
