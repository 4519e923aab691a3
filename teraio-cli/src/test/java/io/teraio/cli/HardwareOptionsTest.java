package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.HardwarePresets;
import io.teraio.core.hardware.HardwareProfile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardwareOptionsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsToTheH100Preset() {
        assertEquals(HardwarePresets.named("h100"), new HardwareOptions().resolve());
    }

    @Test
    void flagsOverrideTheBase() {
        HardwareOptions o = new HardwareOptions();
        o.hardware = "g10";
        o.gpuMemory = "20g";
        o.ssd = "4x6.5g";
        o.ssdWrite = "6g";
        o.ssdLatency = "50us";
        o.pcie = "31.5g";
        o.hostMemory = "64g";
        HardwareProfile hw = o.resolve();
        assertEquals(20L << 30, hw.device().memoryBytes());
        assertEquals((long) (31.5 * (1L << 30)), hw.device().pcieBytesPerSecond());
        assertEquals(4, hw.ssds().size());
        assertEquals((long) (6.5 * (1L << 30)), hw.ssds().get(3).readBytesPerSecond());
        assertEquals(6L << 30, hw.ssds().get(3).writeBytesPerSecond());
        assertEquals(50_000, hw.ssds().get(0).latencyNs());
        assertEquals(64L << 30, hw.hostMemoryBytes());
    }

    @Test
    void aHardwareFileIsTheBase() {
        Path file = dir.resolve("hardware.json");
        HardwarePresets.named("teraio-paper").write(file);
        HardwareOptions o = new HardwareOptions();
        o.hardware = file.toString();
        assertEquals(HardwarePresets.named("teraio-paper"), o.resolve());
    }

    @Test
    void thePapersDecimalFiguresGiveThePresetsExactly() {
        HardwareOptions o = new HardwareOptions();
        o.gpuMemory = "40GiB";
        o.ssd = "3.2GB/s";
        o.ssdLatency = "20us";
        o.pcie = "15.754GB/s";
        o.hostMemory = "128GiB";
        assertEquals(HardwarePresets.named("g10"), o.resolve());
        o = new HardwareOptions();
        o.gpuMemory = "94GB";
        o.ssd = "4x6.7GB/s";
        o.ssdWrite = "6.5GB/s";
        o.pcie = "63GB/s";
        o.hostMemory = "256GiB";
        assertEquals(HardwarePresets.named("teraio-paper"), o.resolve());
        // a bare unit is binary: 3.2g is 7.4% more than 3.2 GB/s
        o.ssd = "3.2g";
        assertEquals(3_435_973_837L, o.resolve().ssds().get(0).readBytesPerSecond());
    }

    @Test
    void badValuesNameTheFlag() {
        HardwareOptions o = new HardwareOptions();
        o.ssd = "4y6g";
        assertEquals("--ssd: '4y6g' is not a size; use bytes or a number with k, m, g, t (1k = 1024) or kB, MB, GB, TB"
                + " (1 kB = 1000), such as 4k, 1.5m, 40g, 3.2GB; --ssd is [COUNTx]BANDWIDTH (COUNTxSIZE per second)"
                + " with 1 to 64 SSDs, such as 4x6.5g", assertThrows(TeraioException.class, o::resolve).getMessage());
        o.ssd = "4*6.5g";
        assertTrue(assertThrows(TeraioException.class, o::resolve).getMessage().endsWith("; --ssd is [COUNTx]BANDWIDTH"
                + " (COUNTxSIZE per second) with 1 to 64 SSDs, such as 4x6.5g"));
        o.ssd = "0x6g";
        assertEquals("--ssd: '0x6g' is not [COUNTx]BANDWIDTH (COUNTxSIZE per second) with 1 to 64 SSDs, such as 4x6.5g",
                assertThrows(TeraioException.class, o::resolve).getMessage());
        o = new HardwareOptions();
        o.gpuMemory = "40";
        assertEquals("--gpu-mem: '40' has no unit; did you mean 40g (GiB), 40GB (decimal) or 40m? Write 40b for bytes",
                assertThrows(TeraioException.class, o::resolve).getMessage());
        o = new HardwareOptions();
        o.ssdLatency = "2s";
        assertEquals("hardware (h100 with the flags given): ssd 0: latencyNs is 2000000000, more than the limit of"
                + " 1000000000 (1 s)", assertThrows(TeraioException.class, o::resolve).getMessage());
        o = new HardwareOptions();
        o.pcie = "1000b";
        assertEquals("hardware (h100 with the flags given): device 0: pcieBytesPerSecond is 1000, less than the limit of"
                + " 1048576 (1 MiB/s)", assertThrows(TeraioException.class, o::resolve).getMessage());
        o = new HardwareOptions();
        o.gpuMemory = "0";
        assertEquals("--gpu-mem: must be positive, got '0'", assertThrows(TeraioException.class, o::resolve).getMessage());
        o = new HardwareOptions();
        o.hardware = "dgx";
        assertEquals("--hardware: 'dgx' is neither a file nor a preset; presets: g10, h100, teraio-paper",
                assertThrows(TeraioException.class, o::resolve).getMessage());
    }
}
