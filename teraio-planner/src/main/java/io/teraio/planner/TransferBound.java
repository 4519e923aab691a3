package io.teraio.planner;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.lifetime.LifetimeModel;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The best share of ideal any plan can reach on a workload and hardware, from transfer volume
 * alone: an upper bound, so a policy's result can be read against what is possible at all.
 *
 * <p>At an op {@code P} whose live bytes exceed device memory by {@code over}, at least
 * {@code over} bytes of tensors that are live and not needed at {@code P} must be off the
 * device. Of those, each tensor the iteration uses again (after {@code P}, or in the next
 * iteration when it outlives this one from its start) must cross PCIe to the device once per
 * iteration; each one the iteration allocated before {@code P} and uses again must also have
 * crossed it from the device, since it was made there. Tensors with no such use cost nothing,
 * so the least a plan must move at {@code P} is {@code over} less their bytes, each way
 * ({@link #bytesIn}, {@link #bytesOut}). What exceeds host memory must also go through the
 * SSDs, at their summed bandwidth. A steady-state iteration then takes at least
 * {@code max(ideal, in / PCIe, out / PCIe, (in - host) / SSD read, (out - host) / SSD write)}.
 *
 * <p>Some of those transfers have a window, and the windows do not overlap: a tensor used
 * again after {@code P} within the iteration is read back between the start of {@code P}
 * and that use; one the iteration made before {@code P} was also written out between its
 * making and the start of {@code P}. The other tensors off the device at {@code P} cover at
 * most their bytes, so at least {@code back = over - (bytes of tensors not used again in
 * the iteration)} come back after {@code P} starts and {@code both = over - (bytes of tensors
 * not made before P or not used after it)} also left before it; what host memory cannot
 * hold of them passes the SSDs. The iteration takes at least
 * {@code max(start of P, both / PCIe, (both - host) / SSD write)
 * + max(ideal - start of P, back / PCIe, (back - host) / SSD read)} (limit {@code split}).
 *
 * <p>The bound ignores when bytes become idle and treats persistent tensors (weights,
 * optimizer state) as never written, since a trace does not say which uses modify a tensor:
 * the true optimum is lower. Only the {@value #OPS_EXAMINED} ops with the most live bytes are
 * examined (any op gives a valid bound; the fullest ones give the tightest).
 *
 * @param boundNs     the least iteration time any plan can reach (at least the ideal)
 * @param idealNs     the iteration's time with unlimited device memory
 * @param atOp        the op the bound comes from, or -1 when the workload fits the device
 * @param bytesIn     bytes that must cross PCIe to the device, at {@code atOp}
 * @param bytesOut    bytes that must cross PCIe from the device, at {@code atOp}
 * @param limit       what sets the bound: {@code compute}, {@code pcie}, {@code ssd-read},
 *                    {@code ssd-write}, {@code split}, or {@code infeasible} (no plan fits,
 *                    see {@link #feasible})
 */
public record TransferBound(long boundNs, long idealNs, int atOp, long bytesIn, long bytesOut, String limit) {
    /** How many of the fullest ops are examined. */
    public static final int OPS_EXAMINED = 64;

    /** Whether any plan can run the workload at all on this hardware. */
    public boolean feasible() {
        return !"infeasible".equals(limit);
    }

    /** {@code 100 * idealNs / boundNs}: the most any plan can reach; 0 when no plan fits. */
    public double percentOfIdeal() {
        return !feasible() ? 0.0 : boundNs <= 0 ? 100.0 : 100.0 * idealNs / boundNs;
    }

    /** The bound of {@code workload} on device 0 of {@code hw} and the SSDs that serve it. */
    public static TransferBound of(Workload workload, HardwareProfile hw) {
        long ideal = workload.idealNs();
        long capacity = hw.device().memoryBytes();
        long pcie = hw.device().pcieBytesPerSecond();
        long ssdRead = 0;
        long ssdWrite = 0;
        for (Ssd ssd : hw.ssdsFor(0)) {
            ssdRead += ssd.readBytesPerSecond();
            ssdWrite += ssd.writeBytesPerSecond();
        }
        int n = workload.opCount();
        Integer[] fullest = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(fullest, Comparator.comparingLong((Integer k) -> workload.liveBytes(k)).reversed());
        TransferBound best = new TransferBound(ideal, ideal, -1, 0, 0, "compute");
        boolean[] needed = new boolean[workload.tensorCount()];
        for (int i = 0; i < Math.min(OPS_EXAMINED, n); i++) {
            int p = fullest[i];
            long over = workload.liveBytes(p) - capacity;
            if (over <= 0) {
                break;
            }
            for (int t : workload.needs(p)) {
                needed[t] = true;
            }
            long movable = 0;
            long noRead = 0;
            long noWrite = 0;
            long roundTrip = 0;
            long usedLater = 0;
            for (int t = 0; t < workload.tensorCount(); t++) {
                if (!workload.inIteration(t) || needed[t] || !workload.offloadable(t) || !liveAt(workload, t, p)) {
                    continue;
                }
                long bytes = workload.bytes(t);
                movable += bytes;
                boolean readBack = usedAfter(workload, t, p) || workload.wraps(t) && workload.useOps(t).length > 0;
                boolean madeHere = workload.allocOp(t) >= 0 && workload.allocOp(t) < p;
                if (!readBack) {
                    noRead += bytes;
                }
                if (!(readBack && madeHere)) {
                    noWrite += bytes;
                }
                if (usedAfter(workload, t, p)) {
                    usedLater += bytes;
                    roundTrip += madeHere ? bytes : 0;
                }
            }
            for (int t : workload.needs(p)) {
                needed[t] = false;
            }
            if (movable < over) {
                return new TransferBound(Long.MAX_VALUE, ideal, p, over, over, "infeasible");
            }
            long in = Math.max(0, over - noRead);
            long out = Math.max(0, over - noWrite);
            long host = hw.hostMemoryBytes();
            if (ssdRead == 0 && Math.max(in, out) > host) {
                return new TransferBound(Long.MAX_VALUE, ideal, p, in, out, "infeasible");
            }
            TransferBound here = new TransferBound(ideal, ideal, p, in, out, "compute");
            here = slower(here, nanos(Math.max(in, out), pcie), "pcie");
            if (ssdRead > 0) {
                here = slower(here, nanos(Math.max(0, in - host), ssdRead), "ssd-read");
                here = slower(here, nanos(Math.max(0, out - host), ssdWrite), "ssd-write");
            }
            // What the other tensors cannot cover must be tensors used again after P within the
            // iteration (read back after P starts), and of those, what these cannot cover must
            // be tensors made before P (also written out before P starts).
            long back = Math.max(0, over - (movable - usedLater));
            long both = Math.max(0, over - (movable - roundTrip));
            long beforeNs = Math.max(workload.startNs(p), nanos(both, pcie));
            long afterNs = Math.max(ideal - workload.startNs(p), nanos(back, pcie));
            if (ssdRead > 0) {
                beforeNs = Math.max(beforeNs, nanos(Math.max(0, both - host), ssdWrite));
                afterNs = Math.max(afterNs, nanos(Math.max(0, back - host), ssdRead));
            }
            here = slower(here, beforeNs + afterNs, "split");
            if (here.boundNs > best.boundNs || best.atOp < 0) {
                best = here;
            }
        }
        return best;
    }

    private static TransferBound slower(TransferBound b, long ns, String limit) {
        return ns > b.boundNs ? new TransferBound(ns, b.idealNs, b.atOp, b.bytesIn, b.bytesOut, limit) : b;
    }

    private static long nanos(long bytes, long bytesPerSecond) {
        return (long) Math.ceil(bytes * 1e9 / bytesPerSecond);
    }

    private static boolean liveAt(Workload w, int t, int op) {
        LifetimeModel lifetimes = w.lifetimes();
        return lifetimes.inWindow(t) && lifetimes.liveFromOp(t) <= op && op <= lifetimes.liveToOp(t);
    }

    private static boolean usedAfter(Workload w, int t, int op) {
        int[] uses = w.useOps(t);
        return uses.length > 0 && uses[uses.length - 1] > op;
    }
}
