package io.teraio.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The incremental structures of teraio answer what plain arrays answer, on random inputs. */
class PlanningStructuresTest {
    @Test
    void theSegmentTreeAgreesWithThePlainArray() {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            int n = 1 + random.nextInt(60);
            long capacity = 1000;
            long[] values = new long[n];
            long[] weight = new long[n];
            for (int k = 0; k < n; k++) {
                values[k] = 500 + random.nextInt(1500);
                weight[k] = 1 + random.nextInt(9);
            }
            Pressure tree = new PressureTree(values, weight, capacity);
            Pressure array = new PressureArray(values, weight, capacity);
            for (int step = 0; step < 200; step++) {
                int from = random.nextInt(2 * n);
                int to = Math.min(from + random.nextInt(n + 1), 2 * n);
                if (random.nextInt(4) == 0) {
                    long delta = -random.nextInt(300);
                    if (random.nextBoolean()) {
                        long room = capacity - array.max(from, to);
                        delta = room > 0 && from < to ? 1 + random.nextInt((int) Math.min(room, 300)) : 0;
                    }
                    tree.add(from, to, delta);
                    array.add(from, to, delta);
                }
                String at = "round " + round + " step " + step + " [" + from + ", " + to + ")";
                assertEquals(array.max(), tree.max(), at);
                assertEquals(array.max(from, to), tree.max(from, to), at);
                assertEquals(array.overWeight(from, to), tree.overWeight(from, to), at);
                assertEquals(array.firstOver(from, to), tree.firstOver(from, to), at);
                assertEquals(array.lastOver(from, to), tree.lastOver(from, to), at);
            }
        }
    }

    @Test
    void bandwidthFillsAndClaimsAgreeWithWalkingTheBuckets() {
        Random random = new Random(11);
        int n = 40;
        List<Op> ops = new ArrayList<>();
        long[] duration = new long[n];
        for (int k = 0; k < n; k++) {
            duration[k] = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(1000);
            ops.add(new Op(k, "op", duration[k], null, null, null));
        }
        Workload w = Workload.of(new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, n)), List.of(), ops));
        // Bucket k holds duration[k] bytes on the SSD (1 GB/s) and twice that on PCIe.
        HardwareProfile hw = new HardwareProfile(List.of(new Device(0, 1, 2_000_000_000L)),
                List.of(new Ssd(0, null, 1_000_000_000L, 1_000_000_000L, 0, -1)), 0);
        BandwidthBuckets buckets = new BandwidthBuckets(new CostModel(w, hw));
        long[] ssd = duration.clone();
        long[] pcie = new long[n];
        for (int k = 0; k < n; k++) {
            pcie[k] = 2 * duration[k];
        }
        for (int step = 0; step < 300; step++) {
            int option = random.nextInt(2);
            long[] free = new long[n];
            for (int k = 0; k < n; k++) {
                free[k] = option == 0 ? Math.min(ssd[k], pcie[k]) : pcie[k];
            }
            int from = random.nextInt(2 * n);
            int to = Math.min(from + random.nextInt(n + 1), 2 * n);
            long bytes = 1 + random.nextInt(3000);
            String at = "step " + step + " option " + option + " [" + from + ", " + to + ") " + bytes + " B";
            assertEquals(walkForward(free, from, to, bytes), buckets.fillForward(option, 0, from, to, bytes), at);
            assertEquals(walkBackward(free, from, to, bytes), buckets.fillBackward(option, 0, from, to, bytes), at);
            long total = 0;
            for (int p = from; p < to; p++) {
                total += free[p % n];
            }
            assertEquals(total, buckets.free(option, 0, from, to), at);
            if (random.nextBoolean()) {
                boolean forward = random.nextBoolean();
                long claimed = forward ? buckets.claimForward(option, 0, from, to, bytes, new ClaimLog())
                        : buckets.claimBackward(option, 0, from, to, bytes, new ClaimLog());
                long need = bytes;
                for (int i = 0; i < to - from && need > 0; i++) {
                    int k = (forward ? from + i : to - 1 - i) % n;
                    long take = Math.min(need, free[k]);
                    need -= take;
                    pcie[k] -= take;
                    if (option == 0) {
                        ssd[k] -= take;
                    }
                }
                assertEquals(bytes - need, claimed, at);
            }
        }
    }

    private static int walkForward(long[] free, int from, int to, long bytes) {
        long need = bytes;
        for (int p = from; p < to; p++) {
            need -= free[p % free.length];
            if (need <= 0) {
                return p;
            }
        }
        return -1;
    }

    private static int walkBackward(long[] free, int from, int to, long bytes) {
        long need = bytes;
        for (int p = to - 1; p >= from; p--) {
            need -= free[p % free.length];
            if (need <= 0) {
                return p;
            }
        }
        return -1;
    }
}
