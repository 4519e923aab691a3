package io.teraio.cli.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.CliRunner;
import io.teraio.cli.Main;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.ProbeResults;
import io.teraio.core.plan.Plan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench-io, probe and replay on real O_DIRECT files in a temporary directory. */
class EngineCommandsTest {
    @TempDir
    Path dir;

    @Test
    void benchIoReportsThroughputAndLeavesNothingBehind() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        CliRunner r = CliRunner.run("bench-io", "--dir", a.toString(), "--dir", b.toString(), "--size", "64m",
                "--block", "1m", "--qd", "4", "--json", "--create");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(64L << 20, json.get("sizeBytes").asLong());
        assertEquals(4, json.get("threads").asInt(), "threads default to the queue depth");
        assertTrue(json.get("writeBytesPerSecond").asLong() > 0, r.out());
        assertTrue(json.get("readBytesPerSecond").asLong() > 0, r.out());
        assertEquals(0, count(a) + count(b), "the run directories are deleted at the end");

        r = CliRunner.run("bench-io", "--dir", a.toString(), "--size", "8m", "--block", "1m", "--qd", "1", "--mode",
                "write", "--prewrite", "--json");
        assertEquals(0, r.exitCode(), r.err());
        json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("prewrite").asBoolean(), r.out());
        assertTrue(json.get("writeBytesPerSecond").asLong() > 0, r.out());
        assertFalse(json.has("readBytesPerSecond"), "--mode write reads nothing: " + r.out());
        assertEquals(0, count(a), "the run directory is deleted at the end");

        r = CliRunner.run("bench-io", "--dir", a.toString(), "--mode", "sideways");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("--mode: 'sideways' is not write, read or both", r.err().strip());
        r = CliRunner.run("bench-io", "--dir", a.toString(), "--block", "1000");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--block a positive multiple of 4k"), r.err());
        Path file = Files.writeString(dir.resolve("file"), "x");
        r = CliRunner.run("bench-io", "--dir", file.toString(), "--size", "8m");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("dirs: " + file + " is not a directory"), r.err());
        Path missing = dir.resolve("missing");
        r = CliRunner.run("bench-io", "--dir", missing.toString(), "--size", "8m");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals(missing + ": no such directory; create it, or give --create to have teraio create it",
                r.err().strip());
        assertFalse(Files.exists(missing), "a --dir is not created without --create");
    }

    @Test
    void probeWritesTheMeasuredSsdsIntoAHardwareProfile() {
        Path out = dir.resolve("hw.json");
        CliRunner r = CliRunner.run("probe", "--create", "--dir", dir.resolve("ssd").toString(), "--dir",
                dir.resolve("ssd2").toString(), "--size", "16m", "--gpu-mem", "3g", "-c", "io.taskSize=1m",
                "-c", "io.queueDepth=2", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        HardwareProfile hw = HardwareProfile.read(out);
        assertEquals(2, hw.ssds().size());
        assertEquals(dir.resolve("ssd").toAbsolutePath().toString(), hw.ssds().get(0).directory());
        assertTrue(hw.ssds().get(0).readBytesPerSecond() > 0 && hw.ssds().get(0).writeBytesPerSecond() > 0);
        assertTrue(hw.ssds().get(0).latencyNs() > 0);
        assertEquals(3L << 30, hw.device().memoryBytes(), "the hardware flags give the rest");
        // every channel the engine uses, at its task size and queue depth
        ProbeResults probe = hw.probe();
        assertEquals(1L << 20, probe.taskBytes());
        assertEquals(2, probe.queueDepth());
        assertTrue(probe.toHostBytesPerSecond() > 0 && probe.fromHostBytesPerSecond() > 0, out.toString());
        assertEquals(2, probe.ssds().size());
        for (int i = 0; i < 2; i++) {
            ProbeResults.SsdResults s = probe.ssds().get(i);
            assertEquals(i, s.id());
            assertTrue(s.mixedReadBytesPerSecond() > 0 && s.mixedWriteBytesPerSecond() > 0, s.toString());
            assertTrue(s.readTaskNs() > 0 && s.writeTaskNs() > 0, s.toString());
        }
        assertTrue(r.out().contains("host tier (16.00 MiB): to host "), r.out());
        // as replay runs the engine: CRC32C on every task; and what issuing one migration costs the compute stream
        assertTrue(probe.verify(), "probe measures with CRC32C unless --no-verify");
        assertTrue(probe.migrationNs() > 0, probe.toString());
        assertTrue(r.out().contains("one migration: "), r.out());
        // a plan made for the probed profile keeps what was measured
        Path plan = dir.resolve("p.json");
        r = CliRunner.run("plan", smallTrace().toString(), "--hardware", out.toString(), "--gpu-mem", "20m", "-o",
                plan.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(probe, Plan.read(plan).hardware().probe());
    }

    @Test
    void replayRunsAPlanForRealAndEveryByteComesBack() throws Exception {
        Path trace = smallTrace();
        Path plan = dir.resolve("plan.json");
        CliRunner r = CliRunner.run("plan", trace.toString(), "--gpu-mem", "20m", "--ssd", "2x1g", "--host-mem", "0",
                "-o", plan.toString());
        assertEquals(0, r.exitCode(), r.err());

        r = CliRunner.run("replay", trace.toString(), plan.toString(), "--create", "--dir", dir.resolve("a").toString(), "--dir",
                dir.resolve("b").toString(), "--device-mem", "20m", "--iterations", "2", "--json", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.err().contains("iteration"), "--quiet printed: " + r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.get("iterationNs").size());
        assertTrue(json.get("measuredIterationNs").asLong() >= json.get("idealNs").asLong(), r.out());
        assertTrue(json.get("predictedIterationNs").asLong() >= json.get("idealNs").asLong(), r.out());
        assertEquals(0, json.get("corruptTensors").asLong());
        assertEquals(0, json.get("engine").get("crcMismatches").asLong());
        assertEquals(0, json.get("engine").get("failedWrites").asLong());
        assertTrue(json.get("engine").get("bytesToSsd").asLong() > 0, r.out());
        assertTrue(json.get("peakDeviceBytes").asLong() <= 20L << 20, r.out());

        assertEquals(0, json.get("hardwareDifferences").size(), r.out());
        assertFalse(r.err().contains("warning"), r.err());
        // the plan's hardware has no probe results: the profile's figures, and every lane each way
        assertTrue(json.get("model").asText().startsWith("the profile's figures (it has no probe results"), r.out());
        long predictedBytes = 0;
        for (JsonNode lane : json.get("lanes")) {
            assertTrue(lane.get("lane").asText().matches("ssd[01]"), r.out());
            predictedBytes += lane.get("predicted").get("bytesWritten").asLong();
            assertTrue(lane.get("measured").get("busyNs").asLong() > 0, r.out());
        }
        assertEquals(json.get("engine").get("bytesToSsd").asLong() > 0, predictedBytes > 0, r.out());

        // replayed on a probed disk half as fast to read, with probe's default host memory: the summary
        // names the plan's hardware, keeps the plan's host memory (0) and warns of what differs
        ObjectNode probed = (ObjectNode) new ObjectMapper().readTree(plan.toFile()).get("hardware");
        ObjectNode ssd0 = (ObjectNode) probed.get("ssds").get(0);
        long planRead = ssd0.get("readBytesPerSecond").asLong();
        ssd0.put("readBytesPerSecond", planRead / 2);
        probed.put("hostMemoryBytes", 64L << 30);
        // measured as this replay's engine runs (4 MiB tasks, 8 in flight, CRC32C): the engine model, no warning of it
        String ssdResults = "{\"mixedReadBytesPerSecond\": 500000000, \"mixedWriteBytesPerSecond\": 500000000,"
                + " \"readTaskNs\": 4000000, \"writeTaskNs\": 4000000";
        probed.set("probe", new ObjectMapper().readTree("{\"taskBytes\": 4194304, \"queueDepth\": 8,"
                + " \"toHostBytesPerSecond\": 1000000000, \"fromHostBytesPerSecond\": 4000000000, \"verify\": true,"
                + " \"migrationNs\": 100000, \"ssds\": [" + ssdResults + ", \"id\": 0}, " + ssdResults + ", \"id\": 1}]}"));
        Path hardware = Files.writeString(dir.resolve("probed.json"), probed.toString());
        r = CliRunner.run("replay", trace.toString(), plan.toString(), "--dir", dir.resolve("a").toString(), "--dir",
                dir.resolve("b").toString(), "--device-mem", "24m", "--hardware", hardware.toString(), "--iterations",
                "1", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("replay: warning: " + plan + " was made for other hardware than this replay's: device 0 memory"
                + " 24.00 MiB (plan: 20.00 MiB), ssd 0 read " + Units.formatBytes(planRead / 2) + "/s (plan: "
                + Units.formatBytes(planRead) + "/s); the prediction is for this replay's hardware", r.err().strip());
        String predicted = r.out().lines().filter(l -> l.strip().startsWith("predicted")).findFirst().orElseThrow();
        assertTrue(predicted.contains("device 24.00 MiB") && predicted.contains("host 0 B)"), predicted);
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("plan made for")
                && l.contains("device 20.00 MiB") && l.contains("host 0 B (differs from this replay's")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("model")
                && l.contains("the engine model calibrated by probe (4.00 MiB tasks, 8 in flight per lane")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("lane ssd0") && l.contains("written ")
                && l.contains("; predicted ")), r.out());
        assertTrue(r.out().contains("the probe's 100.00 µs per entry issued"), r.out());

        r = CliRunner.run("replay", trace.toString(), plan.toString(), "--dir", dir.resolve("a").toString(),
                "--device-mem", "20m");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("to ssd 1, but only 1 --dir was given (one per SSD)"), r.err());
        r = CliRunner.run("replay", trace.toString(), plan.toString(), "--dir", dir.resolve("a").toString(), "--dir",
                dir.resolve("b").toString(), "--device-mem", "1m");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("needs") || r.err().contains("does not fit"), r.err());
    }

    @Test
    void replayRunsAJobPlanOnEveryDeviceTogether() throws Exception {
        Path trace = smallTrace();
        Path plan = dir.resolve("job.json");
        // two data-parallel ranks (the same trace) on two SSDs that serve both devices
        CliRunner r = CliRunner.run("plan", trace.toString(), trace.toString(), "--devices", "2", "--gpu-mem", "20m",
                "--ssd", "2x1g", "--host-mem", "0", "-o", plan.toString());
        assertEquals(0, r.exitCode(), r.err());

        r = CliRunner.run("replay", trace.toString(), trace.toString(), plan.toString(), "--create", "--dir",
                dir.resolve("a").toString(), "--dir", dir.resolve("b").toString(), "--device-mem", "20m",
                "--iterations", "2", "--json", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.get("iterationNs").size());
        assertEquals(2, json.get("devices").size());
        long slowest = 0;
        for (JsonNode device : json.get("devices")) {
            assertEquals(0, device.get("corruptTensors").asLong(), r.out());
            assertEquals(0, device.get("engine").get("crcMismatches").asLong(), r.out());
            assertTrue(device.get("engine").get("bytesToSsd").asLong() > 0, r.out());
            assertTrue(device.get("peakDeviceBytes").asLong() <= 20L << 20, r.out());
            assertTrue(device.get("predictedIterationNs").asLong() >= device.get("idealNs").asLong(), r.out());
            slowest = Math.max(slowest, device.get("measuredIterationNs").asLong());
        }
        assertEquals(slowest, json.get("measuredIterationNs").asLong(), "the job's iteration is its slowest device's");
        assertEquals(0, json.get("hardwareDifferences").size(), r.out());
        assertEquals(0, count(dir.resolve("a")) + count(dir.resolve("b")), "the run directories went away");

        r = CliRunner.run("replay", trace.toString(), trace.toString(), plan.toString(), "--dir",
                dir.resolve("a").toString(), "--dir", dir.resolve("b").toString(), "--device-mem", "20m",
                "--iterations", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("replay 2 devices with " + plan), r.out());
        for (String row : List.of("measured", "predicted", "device 0", "device 1")) {
            assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(row)), row + " in " + r.out());
        }

        r = CliRunner.run("replay", trace.toString(), plan.toString(), "--dir", dir.resolve("a").toString(), "--dir",
                dir.resolve("b").toString(), "--device-mem", "20m");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("is a plan for 2 devices, but 1 trace was given (one per device, in device order)"),
                r.err());
        r = CliRunner.run("replay", trace.toString(), trace.toString(), plan.toString(), "--dir",
                dir.resolve("a").toString(), "--device-mem", "20m");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("is a plan for hardware with 2 SSDs, but 1 --dir was given (one per SSD, in order"),
                r.err());
    }

    @Test
    void replayExitsThreeWithItsSummaryWhenOffloadedBytesComeBackWrong() throws Exception {
        Path trace = smallTrace();
        Path plan = dir.resolve("plan.json");
        assertEquals(0, CliRunner.run("plan", trace.toString(), "--gpu-mem", "20m", "--ssd", "1x1g", "--host-mem", "0",
                "-o", plan.toString()).exitCode());
        Path ssd = Files.createDirectories(dir.resolve("ssd"));
        CompletableFuture<CliRunner> replay = CompletableFuture.supplyAsync(() -> CliRunner.run("replay", trace.toString(),
                plan.toString(), "--dir", ssd.toString(), "--device-mem", "20m", "--iterations", "1000", "--quiet",
                "-c", "io.preallocate=32m"));
        // a disk that returns other bytes than were written: overwrite the offload file while the replay runs
        ByteBuffer garbage = ByteBuffer.allocate(1 << 20);
        while (!replay.isDone()) {
            try (Stream<Path> files = Files.walk(ssd)) {
                for (Path data : files.filter(f -> f.toString().endsWith(".data")).toList()) {
                    try (FileChannel channel = FileChannel.open(data, StandardOpenOption.WRITE)) {
                        for (long at = 0; at < Math.min(channel.size(), 16L << 20); at += garbage.capacity()) {
                            channel.write(garbage.clear(), at);
                        }
                    } catch (IOException e) {
                        // the run deleted the file as it ended
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // the run directory went away as the replay ended
            }
            Thread.sleep(2);
        }
        CliRunner r = replay.get(5, TimeUnit.MINUTES);
        assertEquals(Main.EXIT_DATA, r.exitCode(), r.out() + r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("replay: offloaded bytes came back wrong: ")
                || last.startsWith("replay: stopped in iteration ") && last.contains("CRC32C mismatch")
                        && last.contains("; before it: ") && last.contains(" offloads, "), r.err());
    }

    /** A two-layer transformer's training step, small enough to replay in seconds. */
    private Path smallTrace() {
        Path trace = dir.resolve("t.json.gz");
        assertEquals(0, CliRunner.run("synth", "--preset", "gpt2-large", "--layers", "2", "--hidden", "256",
                "--heads", "4", "--kv-heads", "4", "--ffn", "1024", "--vocab", "1000", "--seq", "64", "--batch", "2", "--tflops", "0.2",
                "--mem-bw", "20g", "-o", trace.toString()).exitCode());
        return trace;
    }

    private static long count(Path parent) throws Exception {
        if (!Files.isDirectory(parent)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(parent)) {
            return s.count();
        }
    }
}
