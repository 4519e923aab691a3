package io.teraio.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {
    @Test
    void defaultsAndSharedKeys() {
        AgentOptions o = AgentOptions.parse("mode=auto,dirs=/nvme0:/nvme1,deviceMemory=8g,io.taskSize=1m");
        assertEquals(AgentMode.AUTO, o.mode());
        assertEquals(1, o.warmupIterations());
        assertEquals(2, o.profileIterations());
        assertEquals(Path.of("teraio-trace.json.gz"), o.trace());
        assertEquals(Path.of("teraio-trace.plan.json"), o.planOut());
        assertEquals(Path.of("teraio-agent-stats.json"), o.stats());
        assertNull(o.plan());
        assertNull(o.hardware());
        assertEquals("h100", AgentOptions.parse("mode=auto,hardware=h100").hardware());
        assertEquals(List.of(Path.of("/nvme0"), Path.of("/nvme1")), o.config().dirs());
        assertEquals(8L << 30, o.config().deviceMemoryBytes());
        assertEquals(1L << 20, o.config().taskSizeBytes());
        assertEquals("auto", o.describe().get("mode"));
        assertEquals("/nvme0:/nvme1", o.describe().get("dirs"));
        assertTrue(o.trimHeap());
        assertEquals("false", AgentOptions.parse("mode=auto,trim=FALSE").describe().get("trim"));
        assertTrue(o.torchBridge());
        assertEquals("false", AgentOptions.parse("mode=profile,torchBridge=false").describe().get("torchBridge"));
    }

    @Test
    void planOutDefaultsNextToTheTrace() {
        AgentOptions o = AgentOptions.parse("mode=auto,out=/runs/a/step.json");
        assertEquals(Path.of("/runs/a/step.plan.json"), o.planOut());
        assertEquals(Path.of("/runs/a/p.json"), AgentOptions.parse("mode=auto,planOut=/runs/a/p.json").planOut());
    }

    @Test
    void offloadModeNeedsAPlan() {
        assertEquals(Path.of("p.json"), AgentOptions.parse("mode=offload,plan=p.json").plan());
        assertEquals("plan: required with mode=offload (the plan file to apply)",
                assertThrows(TeraioException.class, () -> AgentOptions.parse("mode=offload")).getMessage());
        assertTrue(assertThrows(TeraioException.class, () -> AgentOptions.parse("mode=auto,plan=p.json")).getMessage()
                .startsWith("plan: only mode=offload applies a plan file"));
    }

    @Test
    void badArgumentsNameTheKey() {
        assertEquals("mode: required; use mode=profile, mode=offload or mode=auto",
                message(""));
        assertEquals("mode: 'fly' is not a mode; use profile, offload or auto", message("mode=fly"));
        assertEquals("warmup: '0' is not a whole number of at least 1", message("mode=profile,warmup=0"));
        assertEquals("iterations: 'two' is not a whole number of at least 1", message("mode=profile,iterations=two"));
        assertTrue(message("mode=profile,speed=11").startsWith("unknown teraio-agent key 'speed'; the keys are mode,"));
        assertTrue(message("mode=profile,deviceMemory=lots").startsWith("deviceMemory"), message("mode=profile,deviceMemory=lots"));
        assertEquals("teraio-agent argument 'verbose' is not key=value", message("mode=profile,verbose"));
        assertEquals("mode: given twice", message("mode=profile,mode=auto"));
        assertEquals("trim: 'sometimes' is not true or false", message("mode=auto,trim=sometimes"));
        assertEquals("torchBridge: 'maybe' is not true or false", message("mode=auto,torchBridge=maybe"));
        assertEquals("hardware: 'dgx9' is neither a file nor a preset; presets: g10, h100, teraio-paper",
                message("mode=auto,hardware=dgx9"));
    }

    @Test
    void aPathWithANulCharacterIsABadArgumentNotACrash() {
        // found by AgentOptionsFuzzTest: Path.of threw InvalidPathException out of parse
        assertEquals("dirs: '/nvm\\u0000e0' is not a path: Nul character not allowed",
                message("mode=auto,dirs=/nvm\0e0"));
        assertEquals("hardware: 'h\\u000000' is not a path: Nul character not allowed",
                message("mode=auto,hardware=h\u000000"));
        assertEquals("out: 't\\u0000.json' is not a path: Nul character not allowed", message("mode=auto,out=t\0.json"));
    }

    @Test
    void aPathThatNamesNoFileIsABadArgumentNotACrash() {
        // found by AgentOptionsFuzzTest: out=/ left no file name to derive planOut from (a NullPointerException)
        assertEquals("out: '/' names no file (a root directory); give a file path", message("mode=auto,out=/"));
        assertEquals("stats: '/' names no file (a root directory); give a file path",
                message("mode=profile,stats=/"));
    }

    private static String message(String args) {
        return assertThrows(TeraioException.class, () -> AgentOptions.parse(args)).getMessage();
    }
}
