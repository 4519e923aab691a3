package io.teraio.planner;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.lifetime.LifetimeModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The best share of ideal any plan can reach on a workload and hardware, from the transfers it
 * must make: an upper bound, so a policy's result can be read against what is possible at all.
 *
 * <p>At an op {@code P} whose live bytes exceed device memory by {@code over}, at least
 * {@code over} bytes of tensors that are live and not needed at {@code P} must be off the
 * device. Of those, each tensor the iteration uses again (after {@code P}, or in the next
 * iteration when it outlives this one from its start) must cross PCIe to the device once per
 * iteration, and, since a plan writes every offload (the simulator's and the engine's rule),
 * from it once. Tensors with no such use cost nothing, so the least a plan must move at
 * {@code P} is {@code over} less their bytes, each way ({@link #bytesIn}, {@link #bytesOut}).
 * What exceeds host memory must also go through the SSDs, at their summed bandwidth. A
 * steady-state iteration then takes at least
 * {@code max(ideal, moved / PCIe, (moved - host) / SSD read, (moved - host) / SSD write)}.
 *
 * <p>The transfers also have windows ({@link Timing}, limit {@code timing}): a tensor leaves
 * only after its last use before {@code P} and must be out when {@code P} starts, and one
 * used again within the iteration comes back after {@code P} starts and before that use.
 * The earliest-idle bytes written and the latest-due bytes read one after another give the
 * least delay before and after {@code P}; the iteration takes at least the ideal plus both.
 * With several peaks (micro-batches) the stalls between consecutive ones add up
 * ({@link #chainNs}).
 *
 * <p>The bound ignores per-transfer latency, that a read needs room on the device (at the
 * fullest op there is none until it ends) and when tensors due in the next iteration come
 * back: the true optimum is lower. Only the {@value #OPS_EXAMINED} ops with the most live
 * bytes are examined (any op gives a valid bound; the fullest ones give the tightest).
 *
 * @param boundNs     the least iteration time any plan can reach (at least the ideal)
 * @param idealNs     the iteration's time with unlimited device memory
 * @param atOp        the op the bound comes from, or -1 when the workload fits the device
 * @param bytesIn     bytes that must cross PCIe to the device, at {@code atOp}
 * @param bytesOut    bytes that must cross PCIe from the device, at {@code atOp}
 * @param limit       what sets the bound: {@code compute}, {@code pcie}, {@code ssd-read},
 *                    {@code ssd-write}, {@code timing}, or {@code infeasible} (no plan fits,
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
        Rates r = new Rates(workload, hw);
        int n = workload.opCount();
        Integer[] fullest = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(fullest, Comparator.comparingLong((Integer k) -> workload.liveBytes(k)).reversed());
        long ideal = r.ideal;
        TransferBound best = new TransferBound(ideal, ideal, -1, 0, 0, "compute");
        boolean[] needed = new boolean[workload.tensorCount()];
        for (int i = 0; i < Math.min(OPS_EXAMINED, n); i++) {
            int p = fullest[i];
            long over = workload.liveBytes(p) - r.capacity;
            if (over <= 0) {
                break;
            }
            Timing timing = new Timing(workload, p, needed, r);
            if (timing.movable < over) {
                return new TransferBound(Long.MAX_VALUE, ideal, p, over, over, "infeasible");
            }
            // what comes back was written out: a plan writes every offload
            long moved = Math.max(0, over - timing.noRead);
            if (r.ssdRead == 0 && moved > r.host) {
                return new TransferBound(Long.MAX_VALUE, ideal, p, moved, moved, "infeasible");
            }
            TransferBound here = new TransferBound(ideal, ideal, p, moved, moved, "compute");
            here = slower(here, nanos(moved, r.pcie), "pcie");
            if (r.ssdRead > 0) {
                here = slower(here, nanos(Math.max(0, moved - r.host), r.ssdRead), "ssd-read");
                here = slower(here, nanos(Math.max(0, moved - r.host), r.ssdWrite), "ssd-write");
            }
            here = slower(here, timing.boundNs(), "timing");
            if (here.boundNs > best.boundNs || best.atOp < 0) {
                best = here;
            }
        }
        if (best.feasible() && best.atOp >= 0) {
            long chained = chainNs(workload, r, needed);
            if (chained > best.boundNs) {
                best = new TransferBound(chained, ideal, best.atOp, best.bytesIn, best.bytesOut, "timing");
            }
        }
        return best;
    }

    /** How many stretches of equal ideal time {@link #chainNs} takes a peak from. */
    static final int CHAIN_STRETCHES = 32;

    /**
     * The timing term over a chain of peaks {@code P1 < P2 < ... < Pk} (micro-batches, say, each
     * with its own forward peak): the stalls between {@code Pj} and {@code Pj+1} are at least
     * what the reads of {@code Pj}'s bytes due up to {@code Pj+1} need, and at least what the
     * writes of {@code Pj+1}'s bytes that fell idle after {@code Pj} started need (the two
     * directions run at once); before {@code P1}, the writes of its bytes; after {@code Pk}, the
     * reads of its bytes. Stalls in disjoint stretches add up. Peaks are the fullest op of each
     * of {@value #CHAIN_STRETCHES} stretches of equal ideal time, and the chain with the most
     * stall is found by dynamic programming over them.
     */
    private static long chainNs(Workload w, Rates r, boolean[] needed) {
        int n = w.opCount();
        List<Timing> peaks = new ArrayList<>();
        int op = 0;
        for (int s = 1; s <= CHAIN_STRETCHES && op < n; s++) {
            long end = w.idealNs() * s / CHAIN_STRETCHES;
            int first = op;
            int fullest = op;
            for (; op < n && (w.startNs(op) < end || s == CHAIN_STRETCHES); op++) {
                if (w.liveBytes(op) > w.liveBytes(fullest)) {
                    fullest = op;
                }
            }
            if (op > first && w.liveBytes(fullest) > r.capacity) {
                peaks.add(new Timing(w, fullest, needed, r));
            }
        }
        int k = peaks.size();
        double[] most = new double[k];
        double chain = 0;
        for (int j = 0; j < k; j++) {
            Timing pj = peaks.get(j);
            most[j] = pj.writeDelay(0);
            for (int i = 0; i < j; i++) {
                Timing pi = peaks.get(i);
                most[j] = Math.max(most[j], most[i] + Math.max(pi.readDelay(pj.p), pj.writeDelay(pi.p)));
            }
            chain = Math.max(chain, most[j] + pj.readDelay(n - 1));
        }
        return w.idealNs() + (long) Math.ceil(chain);
    }

    /** The hardware's rates and sizes, as the bound uses them. */
    private static final class Rates {
        final long ideal;
        final long capacity;
        final long pcie;
        final long host;
        final long ssdRead;
        final long ssdWrite;

        Rates(Workload w, HardwareProfile hw) {
            ideal = w.idealNs();
            capacity = hw.device().memoryBytes();
            pcie = hw.device().pcieBytesPerSecond();
            host = hw.hostMemoryBytes();
            long read = 0;
            long write = 0;
            for (Ssd ssd : hw.ssdsFor(0)) {
                read += ssd.readBytesPerSecond();
                write += ssd.writeBytesPerSecond();
            }
            ssdRead = read;
            ssdWrite = write;
        }
    }

    /**
     * The timing term at one op {@code P}: the tensors that may be off the device there, with
     * when each can start leaving and by when each must be back (limit {@code timing}).
     *
     * <p>Reads. What comes back within the iteration is read after {@code P} starts and is due
     * at its next use. Of any {@code over} bytes, those due latest (first those due only in
     * the next iteration, which cost nothing here) need the least stall: read one after another
     * earliest-due first, a tensor due at op {@code u} arrives {@code late(u)} after that op's
     * ideal start, and the stalls after {@code P} up to {@code u} are at least
     * {@code S(u) = max late(v), v <= u}; in all at least {@code R = S(end)}.
     *
     * <p>Writes. A tensor can start leaving after its last use before {@code P} (or its making);
     * stalls before {@code P} delay that use as much as {@code P}, so its ideal time serves. One
     * resident from the start and not used before {@code P} leaves after its last use {@code L}
     * in the previous iteration: at {@code start(L + 1) - ideal - (R - S(L))}, the stalls after
     * {@code L} counted at their least (more stalls there give its write more time, but lengthen
     * the iteration by as much). A tensor not used again, and one resident from the start that
     * the iteration does not use, need not be written. The writes share one channel, so the
     * earliest {@code over} bytes can all be out is a one-server schedule of the
     * earliest-released bytes (a tensor may be split, which only helps); what ends after
     * {@code P}'s ideal start delays {@code P} by as much ({@code W}). What host memory cannot
     * hold passes the SSDs the same way, at their rates. The iteration takes at least
     * {@code ideal + W + R}.
     */
    private static final class Timing {
        private final Workload w;
        private final Rates r;
        private final int p;
        private final long startP;
        /** The bytes over the device's memory at P. */
        private final long over;
        /** Bytes of the tensors that may be off the device at P, and of those not used again. */
        private long movable;
        private long noRead;
        private long[] bytes = new long[16];
        /** The op after which it can start leaving in this iteration, or -1: it need not be written here. */
        private int[] leaves = new int[16];
        /** Its last use in the previous iteration (its release is then shifted by the stalls), or -1. */
        private int[] lastUse = new int[16];
        /** The op that needs it back after P within the iteration, or {@code opCount}: none. */
        private int[] due = new int[16];
        private int n;
        /** The tensors by {@link #leaves} and by {@link #due}, ascending. */
        private Integer[] byLeaves;
        private Integer[] byDue;
        /** {@link #late} over PCIe and, for what host memory cannot hold, over the SSDs (null: none). */
        private double[] latePcie;
        private double[] lateSsd;

        /** The tensors that may be off the device at {@code p} ({@code needed}: all false, scratch). */
        Timing(Workload w, int p, boolean[] needed, Rates r) {
            this.w = w;
            this.r = r;
            this.p = p;
            this.startP = w.startNs(p);
            this.over = w.liveBytes(p) - r.capacity;
            for (int t : w.needs(p)) {
                needed[t] = true;
            }
            for (int t = 0; t < w.tensorCount(); t++) {
                if (!w.inIteration(t) || needed[t] || !w.offloadable(t) || !liveAt(w, t, p)) {
                    continue;
                }
                movable += w.bytes(t);
                boolean readBack = usedAfter(w, t, p) || w.wraps(t) && w.useOps(t).length > 0;
                if (!readBack) {
                    noRead += w.bytes(t);
                }
                add(t, readBack);
            }
            for (int t : w.needs(p)) {
                needed[t] = false;
            }
            double[] key = new double[n];
            for (int i = 0; i < n; i++) {
                key[i] = leaves[i];
            }
            byLeaves = ascending(key, n);
            for (int i = 0; i < n; i++) {
                key[i] = due[i];
            }
            byDue = ascending(key, n);
            latePcie = late(over, r.pcie);
            lateSsd = ssd() ? late(over - r.host, r.ssdRead) : null;
        }

        /** Whether some of the bytes over capacity must pass the SSDs. */
        private boolean ssd() {
            return r.ssdRead > 0 && over > r.host;
        }

        private void add(int t, boolean readBack) {
            if (n == bytes.length) {
                bytes = Arrays.copyOf(bytes, 2 * n);
                leaves = Arrays.copyOf(leaves, 2 * n);
                lastUse = Arrays.copyOf(lastUse, 2 * n);
                due = Arrays.copyOf(due, 2 * n);
            }
            int[] uses = w.useOps(t);
            int at = Arrays.binarySearch(uses, p);
            int next = at >= 0 ? at + 1 : -at - 1;
            int before = Math.max(next > 0 ? uses[next - 1] : -1, w.allocOp(t));
            bytes[n] = w.bytes(t);
            due[n] = next < uses.length ? uses[next] : w.opCount();
            leaves[n] = readBack ? before : -1;
            lastUse[n] = readBack && before < 0 && w.wraps(t) && uses.length > 0 ? uses[uses.length - 1] : -1;
            n++;
        }

        /** The least iteration time with P alone: the writes before it and the reads after it. */
        long boundNs() {
            double read = readDelay(w.opCount() - 1);
            double[] at = new double[n];
            for (int i = 0; i < n; i++) {
                at[i] = leaves[i] >= 0 ? w.startNs(leaves[i] + 1)
                        : lastUse[i] >= 0 ? w.startNs(lastUse[i] + 1) - w.idealNs() - (read - readDelay(lastUse[i]))
                        : Double.NEGATIVE_INFINITY;
            }
            return w.idealNs() + (long) Math.ceil(writeDelay(ascending(at, n), at)) + (long) Math.ceil(read);
        }

        /**
         * The least stall before P for its writes of what fell idle at or after op {@code from}
         * (what fell idle before it, or in the previous iteration, may have left already).
         */
        double writeDelay(int from) {
            double[] at = new double[n];
            for (int i = 0; i < n; i++) {
                at[i] = leaves[i] >= from ? w.startNs(leaves[i] + 1) : Double.NEGATIVE_INFINITY;
            }
            return writeDelay(byLeaves, at);
        }

        /** The least stall before P for writes released at {@code at}, in {@code byAt} order. */
        private double writeDelay(Integer[] byAt, double[] at) {
            double end = finish(byAt, at, over, r.pcie);
            if (ssd()) {
                end = Math.max(end, finish(byAt, at, over - r.host, r.ssdWrite));
            }
            return Math.max(0, end - startP);
        }

        /**
         * {@code S(until)}: the least stall after P up to op {@code until} for its reads of what is
         * due there (what is due later costs nothing here).
         */
        double readDelay(int until) {
            int k = lastDueBy(until);
            if (k < 0) {
                return 0;
            }
            return lateSsd == null ? latePcie[k] : Math.max(latePcie[k], lateSsd[k]);
        }

        /** The last position in {@link #byDue} of a tensor due at or before op {@code until}, or -1. */
        private int lastDueBy(int until) {
            int lo = 0;
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (due[byDue[mid]] <= until) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo - 1;
        }

        /** When the earliest-released {@code need} bytes are all written at {@code rate}, one after another. */
        private double finish(Integer[] byAt, double[] at, long need, long rate) {
            int last = 0;
            long left = need;
            while (last < n && left > 0) {
                left -= bytes[byAt[last++]];
            }
            double end = Double.NEGATIVE_INFINITY;
            double suffix = 0;
            for (int k = last - 1; k >= 0; k--) {
                int i = byAt[k];
                suffix += k == last - 1 ? bytes[i] + Math.min(0, left) : bytes[i];
                end = Math.max(end, at[i] + suffix * 1e9 / rate);
            }
            return end;
        }

        /**
         * For each position {@code k} of {@link #byDue}: how late, at most, the tensors up to it
         * come back when the {@code need} bytes due latest are read at {@code rate}, one after
         * another, earliest-due first (0 for those not read).
         */
        private double[] late(long need, long rate) {
            double[] late = new double[n];
            int first = n;
            long left = need;
            while (first > 0 && left > 0) {
                left -= bytes[byDue[--first]];
            }
            double most = 0;
            double sum = 0;
            for (int k = first; k < n; k++) {
                int i = byDue[k];
                sum += k == first ? bytes[i] + Math.min(0, left) : bytes[i];
                most = Math.max(most, sum * 1e9 / rate - (w.startNs(due[i]) - startP));
                late[k] = most;
            }
            return late;
        }
    }

    private static Integer[] ascending(double[] key, int n) {
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> key[i]));
        return order;
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
