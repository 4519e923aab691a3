package io.teraio.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.Plan;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A session per device, each over its own engine, memory and SSDs. */
class DeviceSessionsTest {
    private static final long G = 1L << 30;

    @TempDir
    Path tmp;

    private HardwareProfile twoDevices() {
        return new HardwareProfile(List.of(new Device(0, 8L << 20, G), new Device(1, 8L << 20, G)),
                List.of(new Ssd(0, tmp.resolve("nvme0").toString(), G, G, 0, 0),
                        new Ssd(1, tmp.resolve("nvme1").toString(), G, G, 0, 1)), 0);
    }

    private static TeraioConfig base() {
        return TeraioConfig.resolve(Map.of("deviceMemory", "8m", "hostMemory", "0", "io.preallocate", "0"),
                Map.of(), Map.of());
    }

    @Test
    void eachDeviceRecordsItsOwnOpsAndEvictsIntoItsOwnSsd() throws Exception {
        try (DeviceSessions devices = DeviceSessions.open(base(), twoDevices(), SessionOptions.profile(0, 1))) {
            assertEquals(2, devices.size());
            for (int d = 0; d < 2; d++) {
                TeraioSession s = devices.session(d);
                assertEquals(1, s.options().hardware().devices().size());
                assertEquals(List.of(tmp.resolve("nvme" + d).toString()),
                        s.options().hardware().ssds().stream().map(Ssd::directory).toList());
                // four 3 MiB tensors on an 8 MiB device: the session evicts to the device's SSD
                TensorHandle w = s.register("w", 3 << 20, TensorKind.PARAMETER, true);
                fill(s.acquire(w).hostView(0, 3 << 20), d);
                for (int op = 0; op < 3 + d; op++) {
                    s.beginOp("op" + op, w);
                    TensorHandle a = s.allocate(3 << 20, TensorKind.ACTIVATION);
                    s.acquire(a);
                    s.endOp();
                }
                s.endIteration();
                // evictions count when decided; their bytes count when the write is confirmed, which
                // may be after the op that waited for the room (a verify loop saw 2 evictions, 0 bytes)
                assertTrue(s.stats().evictions() > 0, s.stats().toString());
                assertEquals(1, runDirectories(tmp.resolve("nvme" + d)));
                check(s.acquire(w).hostView(0, 3 << 20), d);
            }
            Trace t0 = devices.session(0).trace();
            Trace t1 = devices.session(1).trace();
            assertEquals(3, t0.iterations().get(0).opCount());
            assertEquals(4, t1.iterations().get(0).opCount(), "device 1's trace is its own");
            assertEquals(2, devices.stats().size());
        }
        assertEquals(0, runDirectories(tmp.resolve("nvme0")));
        assertEquals(0, runDirectories(tmp.resolve("nvme1")));
    }

    @Test
    void offloadModeIsRefusedBecauseAPlanIsOneDevices() {
        Plan plan = new Plan("0".repeat(64), 1, twoDevices().forDevice(0), "none", List.of(), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceSessions.open(base(), twoDevices(), SessionOptions.offload(plan, null)));
        assertTrue(e.getMessage().startsWith("device sessions: offload mode applies one device's plan"), e.getMessage());
    }

    private static void fill(ByteBuffer b, int seed) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) (i * 31 + seed));
        }
    }

    private static void check(ByteBuffer b, int seed) {
        for (int i = 0; i < b.capacity(); i++) {
            if (b.get(i) != (byte) (i * 31 + seed)) {
                throw new AssertionError("byte " + i + " of device " + seed + "'s tensor came back wrong");
            }
        }
    }

    private static long runDirectories(Path ssd) throws IOException {
        if (!Files.isDirectory(ssd)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(ssd)) {
            return files.filter(Files::isDirectory).count();
        }
    }
}
