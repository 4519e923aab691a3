package io.teraio.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.session.DeviceSessions;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.core.session.TeraioSession;
import io.teraio.core.session.TensorHandle;
import io.teraio.core.trace.TensorKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DeviceSessions} in auto mode: the devices' traces planned together by
 * {@link TeraioPlanMaker#makeJob} once the last device's profiling ends, each session applying
 * its plan, renumbered to its engine's SSDs, from its next iteration.
 */
class DevicesPlanTogetherTest {
    private static final long G = 1L << 30;
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    /**
     * Two devices of 3.5 MiB, SSD 0 device 1's own and SSD 1 serving both: device 0's engine has
     * SSD 1 as its SSD 0, device 1's has SSDs 0 and 1.
     */
    private HardwareProfile hardware() {
        long memory = 7L * MIB / 2;
        return new HardwareProfile(List.of(new Device(0, memory, G), new Device(1, memory, G)),
                List.of(new Ssd(0, tmp.resolve("own1").toString(), G, G, 1_000, 1),
                        new Ssd(1, tmp.resolve("shared").toString(), G, G, 1_000, -1)), 0);
    }

    @Test
    void theDevicesArePlannedTogetherAndEachAppliesItsPlanFromItsNextIteration() {
        TeraioConfig config = TeraioConfig.resolve(Map.of("deviceMemory", "8m", "hostMemory", "0",
                "io.preallocate", "0"), Map.of(), Map.of());
        try (DeviceSessions devices = DeviceSessions.open(config, hardware(), SessionOptions.auto(0, 1))) {
            TensorHandle[] weights = new TensorHandle[2];
            for (int d = 0; d < 2; d++) {
                weights[d] = devices.session(d).register("w", MIB, TensorKind.PARAMETER, true);
                fill(devices.session(d).acquire(weights[d]).hostView(0, MIB), 100 + d);
            }
            // one thread drives both devices, a step each in turn, as the data-parallel trainer does
            for (int i = 0; i < 4; i++) {
                for (int d = 0; d < 2; d++) {
                    assertTrue(step(devices.session(d), weights[d], 10 * i + d), "device " + d + ", iteration " + i);
                }
                if (i == 0) {
                    assertNull(devices.session(0).plan(), "planned once both devices have profiled");
                }
            }
            for (int d = 0; d < 2; d++) {
                TeraioSession s = devices.session(d);
                assertNotNull(s.plan(), "device " + d);
                SessionStats st = s.stats();
                assertEquals(1, st.planFromIteration(), "device " + d + " applies its plan from iteration 1");
                assertTrue(st.bytesOffloaded() > 0, "device " + d + ": " + st);
                assertEquals(0, st.divergences(), "device " + d);
                assertTrue(st.predictedPeakBytes() > 0 && st.predictedPeakBytes() <= 7L * MIB / 2, st.toString());
                assertTrue(holds(s.acquire(weights[d]).hostView(0, MIB), 100 + d), "device " + d + "'s weight");
                int engineSsds = d == 0 ? 1 : 2;
                for (PlanEntry e : s.plan().entries()) {
                    assertTrue(e.target() != PlanTarget.SSD || e.ssd() < engineSsds, "device " + d + ": " + e);
                }
            }
        }
    }

    @Test
    void makeJobPlansEachDeviceWithTheProfilesSsdIds() {
        try (DeviceSessions devices = DeviceSessions.open(TeraioConfig.resolve(Map.of("deviceMemory", "8m",
                "hostMemory", "0", "io.preallocate", "0"), Map.of(), Map.of()), hardware(),
                SessionOptions.profile(0, 1))) {
            TensorHandle w0 = devices.session(0).register("w", MIB, TensorKind.PARAMETER, true);
            TensorHandle w1 = devices.session(1).register("w", MIB, TensorKind.PARAMETER, true);
            step(devices.session(0), w0, 0);
            step(devices.session(1), w1, 1);
            List<PlanMaker.MadePlan> made = new TeraioPlanMaker().makeJob(List.of(devices.session(0).trace(),
                    devices.session(1).trace()), hardware());
            assertEquals(2, made.size());
            for (PlanMaker.MadePlan m : made) {
                assertEquals(hardware(), m.plan().hardware());
                assertTrue(m.predictedUnconstrainedBytes() > 7L * MIB / 2, "the devices need offloading");
                assertTrue(m.predictedPeakBytes() <= 7L * MIB / 2);
            }
            // device 0 is served by SSD 1 only
            assertTrue(made.get(0).plan().entries().stream().allMatch(e -> e.target() != PlanTarget.SSD
                    || e.ssd() == 1), made.get(0).plan().entries().toString());
        }
    }

    /**
     * Op 0 makes activation a, op 1 b, op 2 c (ops 0 to 2 use the weight), op 3 checks and frees
     * all three: 4 MiB live at op 2 and 3 MiB needed at op 3, on a device of 3.5 MiB.
     */
    private static boolean step(TeraioSession s, TensorHandle w, int seed) {
        TensorHandle[] acts = new TensorHandle[3];
        for (int k = 0; k < 3; k++) {
            if (k == 2) {
                s.beginOp("op2", w, acts[1]);
            } else {
                s.beginOp("op" + k, w);
            }
            acts[k] = s.allocate(MIB, TensorKind.ACTIVATION);
            fill(s.acquire(acts[k]).hostView(0, MIB), seed * 3 + k);
            s.endOp();
        }
        s.beginOp("consume", acts);
        boolean intact = true;
        for (int k = 0; k < 3; k++) {
            intact &= holds(s.acquire(acts[k]).hostView(0, MIB), seed * 3 + k);
            s.free(acts[k]);
        }
        s.endOp();
        s.endIteration();
        return intact;
    }

    private static void fill(ByteBuffer b, int seed) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) (i * 31 + seed));
        }
    }

    private static boolean holds(ByteBuffer b, int seed) {
        for (int i = 0; i < b.capacity(); i++) {
            if (b.get(i) != (byte) (i * 31 + seed)) {
                return false;
            }
        }
        return true;
    }
}
