package io.teraio.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.teraio.agent.AgentOptions;
import io.teraio.core.hardware.HardwarePresets;
import io.teraio.core.hardware.HardwareProfile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InProcessPlannerTest {
    @TempDir
    Path dir;

    @Test
    void aPresetGivesBandwidthsButTheBudgetAndTheDirectoriesAreTheAgents() {
        AgentOptions o = AgentOptions.parse("mode=auto,hardware=teraio-paper,dirs=/a:/b,deviceMemory=6g,hostMemory=0");
        HardwareProfile hw = InProcessPlanner.hardware(o, null, 5L << 30);
        assertEquals(5L << 30, hw.device().memoryBytes(), "the part of deviceMemory left to plan for");
        assertEquals(2, hw.ssds().size(), "one SSD per directory, not the preset's four");
        assertEquals("/a", hw.ssds().get(0).directory());
        assertEquals(6_700_000_000L, hw.ssds().get(1).readBytesPerSecond());
        assertEquals(0, hw.hostMemoryBytes());
    }

    @Test
    void aHardwareFileWorksTheSameWay() {
        Path file = dir.resolve("hw.json");
        HardwarePresets.named("g10").write(file);
        AgentOptions o = AgentOptions.parse("mode=auto,hardware=" + file + ",dirs=/a");
        HardwareProfile hw = InProcessPlanner.hardware(o, null, 1L << 30);
        assertEquals(1, hw.ssds().size());
        assertEquals(3_200_000_000L, hw.ssds().get(0).writeBytesPerSecond());
        assertEquals(15_754_000_000L, hw.device().pcieBytesPerSecond());
    }
}
