package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example MLP trained data-parallel on two emulated devices (two device memories in host
 * memory, an SSD directory each, real O_DIRECT files), each offloading its activations under
 * half the memory its shard needs: the same losses, bit for bit, as one device training both
 * shards without offloading; each device within its budget (teraio's ledger) and its files in
 * its own directory.
 */
class DataParallelTrainerIT {
    private static final int STEPS = 6;
    private static final long G = 1L << 30;

    @TempDir
    Path dir;

    private HardwareProfile devices(int n, long memoryBytes) {
        List<Device> devices = new ArrayList<>();
        List<Ssd> ssds = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            devices.add(new Device(d, memoryBytes, 16 * G));
            ssds.add(new Ssd(d, dir.resolve("nvme" + d).toString(), G, G, 20_000, d));
        }
        return new HardwareProfile(devices, ssds, 0);
    }

    private static TeraioConfig config(long deviceMemoryBytes) {
        return TeraioConfig.resolve(Map.of("deviceMemory", Long.toString(deviceMemoryBytes), "hostMemory", "0",
                "io.preallocate", "4m", "io.taskSize", "256k"), Map.of(), Map.of());
    }

    @Test
    void twoDevicesOffloadingTrainTheSameModelAsOneDeviceTrainingBothShards() throws Exception {
        MlpSpec spec = MlpSpec.small();
        List<Float> expected;
        long onePeak;
        try (DataParallelTrainer one = DataParallelTrainer.open(spec, 2, config(2 * spec.totalBytes()),
                devices(1, 2 * spec.totalBytes()), SessionOptions.off())) {
            for (int i = 0; i < STEPS; i++) {
                one.step();
            }
            expected = one.losses();
            onePeak = one.stats().get(0).peakResidentBytes();
            assertEquals(0, one.stats().get(0).bytesOffloaded());
        }
        assertTrue(expected.get(STEPS - 1) < expected.get(0), "the loss goes down: " + expected);

        // one device trains a shard at a time, so its peak is what a device needs for one shard: half of it
        long budget = onePeak / 2 / 4096 * 4096;
        try (DataParallelTrainer two = DataParallelTrainer.open(spec, 2, config(budget), devices(2, budget),
                SessionOptions.auto(1, 2))) {
            for (int i = 0; i < STEPS; i++) {
                two.step();
                if (i == 3) {
                    for (int d = 0; d < 2; d++) {
                        assertEquals(1, runDirectories(dir.resolve("nvme" + d)), "device " + d + "'s own SSD");
                    }
                }
            }
            assertEquals(bits(expected), bits(two.losses()));
            for (int d = 0; d < 2; d++) {
                SessionStats s = two.stats().get(d);
                assertEquals(budget, s.budgetBytes());
                assertTrue(s.peakResidentBytes() <= budget, "device " + d + ": " + s);
                assertTrue(s.bytesOffloaded() > 0 && s.bytesPrefetched() > 0, "device " + d + ": " + s);
                assertEquals(0, s.divergences(), "device " + d + ": " + s);
                assertEquals(3, s.planFromIteration(), "device " + d + ": " + s);
            }
        }
        for (int d = 0; d < 2; d++) {
            assertEquals(0, runDirectories(dir.resolve("nvme" + d)), "closing deletes device " + d + "'s files");
        }
    }

    @Test
    void shardsThatDoNotDivideTheBatchOrTheDevicesAreRefused() {
        MlpSpec spec = MlpSpec.small();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataParallelTrainer.open(spec, 3, config(G), devices(2, G), SessionOptions.off()));
        assertEquals("data parallel: 3 shards must divide the batch of 512 and be a multiple of the 2 devices",
                e.getMessage());
    }

    private static long runDirectories(Path ssd) throws IOException {
        if (!Files.isDirectory(ssd)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(ssd)) {
            return files.filter(Files::isDirectory).count();
        }
    }

    private static List<Integer> bits(List<Float> losses) {
        return losses.stream().map(Float::floatToRawIntBits).toList();
    }
}
