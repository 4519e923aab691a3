package io.teraio.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    void openRefusesOffloadModeForAJobPlanGoesToOffload() {
        Plan plan = new Plan("0".repeat(64), 1, twoDevices(), "none", List.of(), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceSessions.open(base(), twoDevices(), SessionOptions.offload(plan, null)));
        assertTrue(e.getMessage().startsWith("device sessions: offload mode applies a job plan; use"
                + " DeviceSessions.offload"), e.getMessage());
    }

    /** Two devices, SSD 0 device 1's own and SSD 1 serving both: device 0's engine has SSD 1 as its SSD 0. */
    private HardwareProfile sharedSsd() {
        return new HardwareProfile(List.of(new Device(0, 8L << 20, G), new Device(1, 8L << 20, G)),
                List.of(new Ssd(0, tmp.resolve("own1").toString(), G, G, 0, 1),
                        new Ssd(1, tmp.resolve("shared").toString(), G, G, 0, -1)), 0);
    }

    @Test
    void offloadModeAppliesEachDevicesPlanOfAJobOnTheSsdsItNames() throws Exception {
        List<Trace> profiles = new ArrayList<>();
        try (DeviceSessions devices = DeviceSessions.open(base(), sharedSsd(), SessionOptions.profile(0, 1))) {
            for (int d = 0; d < 2; d++) {
                TensorHandle w = param(devices.session(d), d);
                assertTrue(step(devices.session(d), w, d));
                profiles.add(devices.session(d).trace());
            }
        }
        // device 0's activation goes to the shared SSD (id 1, its engine's SSD 0), device 1's to its own (id 0)
        HardwareProfile hw = sharedSsd();
        List<Plan> plans = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            Trace profile = profiles.get(d);
            int act = profile.ops().get(0).allocs()[0];
            plans.add(new Plan(TraceDigest.sha256(profile), 4, hw, "test", List.of(
                    new PlanEntry(act, "op0.out0", PlanAction.OFFLOAD, PlanTarget.SSD, 1 - d, 1, 1, false),
                    new PlanEntry(act, "op0.out0", PlanAction.PREFETCH, PlanTarget.SSD, 1 - d, 2, 3, false)), null));
        }
        JobPlan job = new JobPlan(hw, "test", plans, null);
        try (DeviceSessions devices = DeviceSessions.offload(base(), hw, job, profiles)) {
            for (int d = 0; d < 2; d++) {
                TeraioSession s = devices.session(d);
                TensorHandle w = param(s, d);
                for (int i = 0; i < 2; i++) {
                    assertTrue(step(s, w, 10 * d + i), "device " + d + ", iteration " + i);
                }
                SessionStats st = s.stats();
                assertEquals(2L << 20, st.bytesOffloaded(), "device " + d);
                assertEquals(2L << 20, st.bytesPrefetched(), "device " + d);
                assertEquals(0, st.divergences());
            }
            assertEquals(2, runDirectories(tmp.resolve("shared")), "both engines use the shared SSD");
            assertEquals(1, runDirectories(tmp.resolve("own1")));
            assertTrue(fileBytes(tmp.resolve("shared")) > 0, "device 0 wrote to the shared SSD");
            assertTrue(fileBytes(tmp.resolve("own1")) > 0, "device 1 wrote to its own SSD");
        }
        TeraioException other = assertThrows(TeraioException.class, () -> DeviceSessions.offload(base(), twoDevices(),
                job, profiles));
        assertEquals("device sessions: the job plan was made for other hardware: ssd 0 serves device 1 in the plan,"
                + " device 0 here", other.getMessage());
    }

    private static TensorHandle param(TeraioSession s, int seed) {
        TensorHandle w = s.register("w", 1 << 20, TensorKind.PARAMETER, true);
        fill(s.acquire(w).hostView(0, 1 << 20), seed);
        return w;
    }

    /** Op 0 makes a 1 MiB activation, ops 1 and 2 use only the weight, op 3 checks the activation and frees it. */
    private static boolean step(TeraioSession s, TensorHandle w, int seed) {
        s.beginOp("produce", w);
        TensorHandle act = s.allocate(1 << 20, TensorKind.ACTIVATION);
        fill(s.acquire(act).hostView(0, 1 << 20), seed);
        s.endOp();
        for (int op = 1; op <= 2; op++) {
            s.beginOp("work", w);
            s.acquire(w);
            TeraioSessionTest.settle(s, act);
            s.endOp();
        }
        s.beginOp("consume", act);
        boolean intact = holds(s.acquire(act).hostView(0, 1 << 20), seed);
        s.free(act);
        s.endOp();
        s.endIteration();
        return intact;
    }

    private static boolean holds(ByteBuffer b, int seed) {
        for (int i = 0; i < b.capacity(); i++) {
            if (b.get(i) != (byte) (i * 31 + seed)) {
                return false;
            }
        }
        return true;
    }

    /** The bytes of the files under {@code dir}, at any depth. */
    private static long fileBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
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
