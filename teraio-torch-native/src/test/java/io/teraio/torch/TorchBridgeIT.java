package io.teraio.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge in child JVMs ({@link BridgeChild}), as a training job would have it: evicting a
 * 64 MiB activation and a 32 MiB weight to an O_DIRECT file lowers the process's RSS by their
 * sizes, and the step's gradient is that of a run without eviction to the bit; a self-check
 * that fails, or a library that does not load, makes the bridge unavailable with the reason.
 */
class TorchBridgeIT {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void evictingAnActivationAndAWeightLowersRssByTheirSizes() throws Exception {
        Map<String, String> out = child(List.of(), "rss", dir.toString());
        assertEquals("true", out.get("gradientBitwiseEqual"), out.toString());
        long activation = Long.parseLong(out.get("activationBytes"));
        long weight = Long.parseLong(out.get("weightBytes"));
        assertEquals(64 * MIB, activation);
        assertEquals(32 * MIB, weight);
        assertAbout(activation, Long.parseLong(out.get("rssDropActivation")), "RSS drop evicting the activation");
        assertAbout(weight, Long.parseLong(out.get("rssDropWeight")), "RSS drop evicting the weight");
        assertAbout(activation + weight, Long.parseLong(out.get("rssRiseRestore")), "RSS rise restoring both");
    }

    @Test
    void aFailedSelfCheckMakesTheBridgeUnavailableWithTheReason() throws Exception {
        Map<String, String> out = child(List.of("-D" + TorchBridge.BREAK_SELF_CHECK_PROPERTY + "=true"), "availability");
        assertEquals("false", out.get("available"), out.toString());
        assertEquals("self-check against libtorch 2.7.1 failed: the storage of a 4096-float tensor reads as 16384"
                + " bytes, DJL's view has 16384, expected 16385 (teraio.torch.test.breakSelfCheck is set)",
                out.get("reason"));
        Map<String, String> fine = child(List.of(), "availability");
        assertEquals("true", fine.get("available"), fine.toString());
    }

    @Test
    void aLibraryThatDoesNotLoadMakesTheBridgeUnavailableWithTheReason() throws Exception {
        Path missing = dir.resolve("libmissing.so");
        Map<String, String> out = child(List.of("-D" + TorchBridge.LIBRARY_PROPERTY + "=" + missing), "availability");
        assertEquals("false", out.get("available"), out.toString());
        assertTrue(out.get("reason").startsWith("libteraio_torch.so could not be loaded: Can't load library: "
                + missing), out.get("reason"));
    }

    /** The JVM allocates and frees a little meanwhile (runs here: -0.8 to +1.9 MiB): within 4 MiB. */
    private static void assertAbout(long expected, long actual, String what) {
        assertTrue(Math.abs(actual - expected) <= 4 * MIB, what + ": " + actual / (double) MIB + " MiB, expected "
                + expected / MIB + " MiB");
    }

    private Map<String, String> child(List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=1");
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BridgeChild.class.getName());
        cmd.addAll(List.of(args));
        Path stdout = dir.resolve("stdout-" + System.nanoTime());
        Path stderr = dir.resolve("stderr-" + System.nanoTime());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        // glibc gives memory of 128 KiB and more back to the OS at once, so RSS shows every free
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM did not finish in 3 minutes: " + cmd);
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(stdout, StandardCharsets.UTF_8)) {
            int space = line.indexOf(' ');
            if (space > 0) {
                values.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return values;
    }
}
