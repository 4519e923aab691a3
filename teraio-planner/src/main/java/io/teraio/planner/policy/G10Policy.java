package io.teraio.planner.policy;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.Tensor;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationOptions;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * G10's smart-migration planner (MICRO'23; platformxlab/G10, {@code src/analysis.cc},
 * {@code scheduling_prefetch}), as a baseline in our simulator. docs/planner.md lists what
 * differs from the original.
 *
 * <p>Each round takes the inactive period ("interval") whose move would reduce the largest
 * area of memory over the device's capacity: its bytes times the time, between where half of
 * its offload is done (its bytes filled forward from its first idle op into the free SSD write
 * bandwidth) and where half of its prefetch is left (filled backward from its next use into the
 * free SSD read bandwidth), of the ops whose planned memory exceeds the capacity. A period
 * whose idle time exceeds {@code (2 + delta) x} its SSD transfer time (latency, system latency
 * and bytes over bandwidth) goes to the SSD: its offload claims write bandwidth forward from
 * its first idle op, its prefetch is issued at the op where a backward fill of the read
 * bandwidth from the next use begins and claims forward from there; it moves only if that op
 * comes after the offload's last bucket, and the tensor is planned absent in between. When
 * the SSD's write buckets are all full up to where the offload would ideally finish, host
 * memory takes it instead (over the PCIe buckets) if host memory has room for it all
 * iteration. A period too short for the SSD but longer than {@code (2 + delta) x} its host
 * transfer time goes to host memory. Periods that wrap into the next iteration are placed by
 * time alone. The rounds stop when the planned memory is under the target line (99% of the
 * capacity) everywhere, or when the best period is too short for either tier (G10 then picks
 * it again every round). Last, each prefetch moves earlier while the memory before it stays
 * under the target line.
 *
 * <p>G10's runtime evicts least recently used pages where its plan leaves memory over the
 * capacity; our simulator has no demand paging, so where G10's plan does not run, this policy
 * adds those evictions to it ({@link #plan}).
 */
public final class G10Policy implements Policy {
    public static final String NAME = "g10";
    /** G10's {@code delta_parameter} at its defaults: a transfer needs (2 + delta) x its time. */
    public static final double DEFAULT_DELTA = 0.5;
    /** G10's {@code system_latency_us} (45 us), added to every transfer estimate. */
    public static final long DEFAULT_SYSTEM_LATENCY_NS = 45_000;
    /** G10's target line: 99% of the device memory. */
    public static final double DEFAULT_TARGET_FRACTION = 0.99;

    /** Two iterations (the second is the steady state), no timelines: whether the plan runs. */
    private static final SimulationOptions CHECK = new SimulationOptions(2, 2);

    private final double delta;
    private final long systemLatencyNs;
    private final double targetFraction;

    /** G10 at its defaults. */
    public G10Policy() {
        this(DEFAULT_DELTA, DEFAULT_SYSTEM_LATENCY_NS, DEFAULT_TARGET_FRACTION);
    }

    /**
     * @param delta           G10's {@code delta_parameter}, at least 0
     * @param systemLatencyNs G10's {@code system_latency_us}, in ns, at least 0
     * @param targetFraction  the share of the device memory the plan aims under, in (0, 1]
     */
    public G10Policy(double delta, long systemLatencyNs, double targetFraction) {
        if (!(delta >= 0) || systemLatencyNs < 0 || !(targetFraction > 0 && targetFraction <= 1)) {
            throw new IllegalArgumentException("g10: delta " + delta + ", system latency " + systemLatencyNs
                    + " ns, target fraction " + targetFraction + ": need delta >= 0, latency >= 0, fraction in (0, 1]");
        }
        this.delta = delta;
        this.systemLatencyNs = systemLatencyNs;
        this.targetFraction = targetFraction;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * G10's plan; where it does not run in the simulator (it leaves ops over the capacity, which
     * G10's runtime meets by evicting on demand), the same with those evictions added.
     */
    @Override
    public List<PlanEntry> plan(Workload workload, HardwareProfile hardware) {
        Run run = new Run(CostModel.forPlanning(workload, hardware), Periods.of(workload, t -> true));
        List<PlanEntry> planned = run.plan();
        if (Simulator.simulate(workload, hardware, planned, CHECK).ran()) {
            return planned;
        }
        return run.withEvictionsOnDemand();
    }

    /** G10's planner alone: its plan without the evictions its runtime would add. */
    List<PlanEntry> smartMigration(Workload workload, HardwareProfile hardware) {
        return new Run(CostModel.forPlanning(workload, hardware), Periods.of(workload, t -> true)).plan();
    }

    /** One planning run: G10's state (memory estimate, four bandwidth estimates, host usage). */
    private final class Run {
        private final CostModel model;
        private final Workload workload;
        private final Periods periods;
        private final int n;
        /** Op start times on the unrolled timeline, ns: {@code time[k]} for 0..2n. */
        private final double[] time;
        private final long target;
        private final long hostLine;
        private final PressureTree memory;
        private final PressureTree host;
        private final G10Channel ssdWrite;
        private final G10Channel ssdRead;
        private final G10Channel pcieWrite;
        private final G10Channel pcieRead;
        private final double ssdBytesPerNs;
        private final double pcieBytesPerNs;
        private final long ssdLatencyNs;
        private final List<Planned> planned = new ArrayList<>();

        /**
         * A moved period, offloaded at op {@code offload}, absent from {@code clear + 1} until
         * {@code prefetch} (unrolled ops); {@code local} for one placed by bandwidth (its prefetch
         * may move earlier), {@code demand} for an eviction on demand.
         */
        private record Planned(int period, boolean host, int offload, int clear, int prefetch, boolean local,
                               boolean demand) {
        }

        Run(CostModel model, Periods periods) {
            this.model = model;
            this.workload = model.workload();
            this.periods = periods;
            this.n = model.opCount();
            long[] durations = new long[n];
            time = new double[2 * n + 1];
            for (int k = 0; k < n; k++) {
                durations[k] = workload.durationNs(k);
            }
            for (int k = 0; k < 2 * n; k++) {
                time[k + 1] = time[k] + durations[k % n];
            }
            long capacity = model.capacityBytes();
            target = (long) (capacity * targetFraction);
            hostLine = model.hostMemoryBytes();
            long[] live = new long[n];
            for (int k = 0; k < n; k++) {
                live[k] = workload.liveBytes(k);
            }
            // The area counts the ops over the device memory itself (G10's GPU_mem_line), the
            // rounds stop at the target line below it.
            memory = new PressureTree(live, durations, capacity);
            host = new PressureTree(new long[n], durations, Long.MAX_VALUE);
            long ssdWriteRate = 0;
            long ssdReadRate = 0;
            long latency = 0;
            for (int i = 0; i < model.ssdCount(); i++) {
                ssdWriteRate += model.ssdRate(i, CostModel.WRITE);
                ssdReadRate += model.ssdRate(i, CostModel.READ);
                latency = Math.max(latency, model.latencyNs(i));
            }
            ssdLatencyNs = latency;
            ssdBytesPerNs = Math.min(ssdWriteRate, ssdReadRate) / 1e9;
            pcieBytesPerNs = model.pcieBytesPerSecond() / 1e9;
            ssdWrite = new G10Channel(ssdWriteRate, durations);
            ssdRead = new G10Channel(ssdReadRate, durations);
            pcieWrite = new G10Channel(model.pcieBytesPerSecond(), durations);
            pcieRead = new G10Channel(model.pcieBytesPerSecond(), durations);
        }

        /** The first idle op of period {@code p}, on the unrolled timeline, in the iteration where it lies. */
        private int start(int p) {
            int s = periods.lastUse(p) + 1;
            return s >= n ? s - n : s;
        }

        /** The next use of period {@code p}, unrolled (past {@code n} when the period wraps). */
        private int end(int p) {
            int s = periods.lastUse(p) + 1;
            return s >= n ? periods.nextUse(p) - n : periods.nextUse(p);
        }

        private boolean looped(int p) {
            return end(p) >= n;
        }

        private long bytes(int p) {
            return workload.bytes(periods.tensor(p));
        }

        private double idleNs(int p) {
            return time[end(p)] - time[start(p)];
        }

        /** G10's sort key: the area over the capacity the period's move could reduce. */
        private double area(int p) {
            long bytes = bytes(p);
            int s = start(p);
            int e = end(p);
            if (looped(p)) {
                return bytes * (double) memory.overWeight(s, e);
            }
            int offloadMid = ssdWrite.forward(bytes / 2, s);
            int prefetchMid = ssdRead.backward(bytes / 2, e);
            return offloadMid < prefetchMid ? bytes * (double) memory.overWeight(offloadMid, prefetchMid) : 0;
        }

        List<PlanEntry> plan() {
            // Lazy max-heap: areas only shrink (memory only falls, claims only grow), so a stale
            // key bounds the fresh one; ties go to the larger idle time x bytes, then the lower index.
            Comparator<double[]> order = Comparator.<double[]>comparingDouble(k -> -k[0])
                    .thenComparingDouble(k -> -k[1]).thenComparingDouble(k -> k[2]);
            PriorityQueue<double[]> heap = new PriorityQueue<>(Math.max(1, periods.size()), order);
            for (int p = 0; p < periods.size(); p++) {
                heap.add(new double[] {area(p), idleNs(p) * bytes(p), p});
            }
            while (memory.max() > target && !heap.isEmpty()) {
                double[] top = heap.poll();
                int p = (int) top[2];
                double fresh = area(p);
                if (fresh < top[0] && !heap.isEmpty()) {
                    double[] again = {fresh, top[1], p};
                    if (order.compare(again, heap.peek()) > 0) {
                        heap.add(again);
                        continue;
                    }
                }
                // Too short for either tier: with a positive area G10 picks it again every round
                // and makes no more progress; among periods of no area its order is unspecified,
                // and we go on to the next.
                if (!place(p) && fresh > 0) {
                    break;
                }
            }
            hoistPrefetches();
            return entries();
        }

        /** The plan with the evictions G10's runtime would make on demand added. */
        List<PlanEntry> withEvictionsOnDemand() {
            evictOnDemand();
            return entries();
        }

        /**
         * One round for period {@code p}: moves it, or drops it for good; false when it is too
         * short for either tier, where G10 stops making progress.
         */
        private boolean place(int p) {
            int s = start(p);
            int e = end(p);
            long bytes = bytes(p);
            if (memory.max(s, e) <= target || e - s == 1) {
                return true;
            }
            double idle = idleNs(p);
            double ssdMove = ssdBytesPerNs > 0 ? ssdLatencyNs + systemLatencyNs + bytes / ssdBytesPerNs
                    : Double.POSITIVE_INFINITY;
            double hostMove = systemLatencyNs + bytes / pcieBytesPerNs;
            if (idle > (2 + delta) * ssdMove) {
                if (looped(p)) {
                    placeByTime(p, false, ssdMove, ssdMove * (1 + delta));
                    return true;
                }
                int idealClear = opAt(time[s] + ssdMove, s, e);
                boolean ssdCrowded = !ssdWrite.anyNotFull(s, idealClear);
                if (ssdCrowded && hostHasRoom(bytes)) {
                    if (viaHost(p, bytes)) {
                        host.add(s, e, bytes);
                    }
                } else {
                    int prefetch = ssdRead.backward(bytes, e);
                    int clear = ssdWrite.forward(bytes, s);
                    if (prefetch > clear) {
                        ssdRead.claimStorage(bytes, prefetch, pcieRead);
                        ssdWrite.claimStorage(bytes, s, pcieWrite);
                        commit(new Planned(p, false, s, clear, prefetch, true, false), bytes);
                    }
                }
                return true;
            }
            if (idle > (2 + delta) * hostMove) {
                if (!hostHasRoom(bytes)) {
                    return true;
                }
                if (looped(p)) {
                    placeByTime(p, true, hostMove, hostMove * (1 + delta));
                } else {
                    viaHost(p, bytes);
                }
                // G10 books the host memory whether or not the period moved.
                host.add(s, e, bytes);
                return true;
            }
            return false;
        }

        /**
         * Period {@code p} through host memory by the PCIe buckets: the offload's last bucket
         * by a forward fill from its first idle op, the prefetch op by a backward fill from its
         * next use; moved (and the bandwidth claimed) only if the prefetch op comes after.
         */
        private boolean viaHost(int p, long bytes) {
            int s = start(p);
            int prefetch = pcieRead.backward(bytes, end(p));
            int clear = pcieWrite.forward(bytes, s);
            if (prefetch <= clear) {
                return false;
            }
            pcieRead.claimLink(bytes, prefetch, ssdRead);
            pcieWrite.claimLink(bytes, s, ssdWrite);
            commit(new Planned(p, true, s, clear, prefetch, true, false), bytes);
            return true;
        }

        /** A wrapping period, placed by transfer time with no bandwidth claimed (as G10 does). */
        private void placeByTime(int p, boolean toHost, double moveNs, double prefetchNs) {
            int s = start(p);
            int e = end(p);
            int clear = opAt(time[s] + moveNs, s, e);
            int prefetch = opAt(time[e] - prefetchNs, s, e);
            if (prefetch != s) {
                commit(new Planned(p, toHost, s, clear, prefetch, false, false), bytes(p));
            }
        }

        private void commit(Planned move, long bytes) {
            planned.add(move);
            if (move.clear() + 1 < move.prefetch()) {
                memory.add(move.clear() + 1, move.prefetch(), -bytes);
            }
        }

        /** G10's {@code check_CPU_OK(CPU_line - size)}: host memory holds {@code bytes} more at every op. */
        private boolean hostHasRoom(long bytes) {
            return host.max() <= hostLine - bytes;
        }

        /** The op of {@code [from, to)} running at time {@code t} (the last one starting at or before it). */
        private int opAt(double t, int from, int to) {
            int lo = from;
            int hi = to - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (time[mid] <= t) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /**
         * G10's second pass over the periods it placed by bandwidth, in the order of their
         * prefetch ops: each prefetch moves earlier while the op before it is under the target
         * line (no earlier than the op after its offload's last bucket), and takes its memory
         * back from there.
         */
        private void hoistPrefetches() {
            List<Integer> local = new ArrayList<>();
            for (int i = 0; i < planned.size(); i++) {
                if (planned.get(i).local()) {
                    local.add(i);
                }
            }
            local.sort(Comparator.comparingInt(i -> planned.get(i).prefetch()));
            for (int i : local) {
                Planned move = planned.get(i);
                int lowest = move.clear() + 1;
                int from = move.prefetch();
                // G10 steps down from the prefetch op while the op below is under the target: the
                // earliest i >= lowest with every op of [i, prefetch) under it, found by a binary
                // search on the range maximum, which only grows as i falls
                int lo = lowest;
                int hi = from;
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (memory.max(mid, from) < target) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                int issue = lo;
                if (issue < from) {
                    memory.add(issue, from, bytes(move.period()));
                }
                planned.set(i, new Planned(move.period(), move.host(), move.offload(), move.clear(), issue, true, false));
            }
        }

        /**
         * What G10's runtime does where its plan leaves memory over the capacity (not part of its
         * planner; our simulator has no demand paging): walking the ops in order, at each op still
         * over the capacity it evicts the least recently used tensors resident and idle there
         * until the op fits, and fetches each back at its next use. Least recently used: an
         * unmoved period by its last use, a moved one back early by its prefetch. An unmoved one
         * goes to host memory while it has room and to an SSD otherwise; a moved one still has
         * its copy, so its prefetch is just put off to its next use. Periods whose next use is
         * the next op are left alone.
         */
        private void evictOnDemand() {
            int moves = planned.size();
            boolean[] moved = new boolean[periods.size()];
            for (Planned move : planned) {
                moved[move.period()] = true;
            }
            // candidates by last access: {key, period or -1 - move index, position offset}
            PriorityQueue<long[]> lru = new PriorityQueue<>(Comparator.<long[]>comparingLong(c -> c[0])
                    .thenComparingLong(c -> c[1]));
            List<List<long[]>> startingAt = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                startingAt.add(new ArrayList<>(0));
            }
            for (int p = 0; p < periods.size(); p++) {
                if (!moved[p]) {
                    startingAt.get(start(p)).add(new long[] {start(p) - 1L, p, 0});
                    if (looped(p)) {
                        // the wrapped rest, ops 0 .. next use - n - 1 of the next iteration
                        lru.add(new long[] {start(p) - 1L - n, p, n});
                    }
                }
            }
            for (int i = 0; i < moves; i++) {
                int back = planned.get(i).prefetch();
                startingAt.get(back % n).add(new long[] {back, -1 - i, back >= n ? n : 0});
            }
            long capacity = model.capacityBytes();
            for (int k = 0; k < n; k++) {
                lru.addAll(startingAt.get(k));
                while (memory.max(k, k + 1) > capacity && !lru.isEmpty()) {
                    long[] c = lru.poll();
                    int at = k + (int) c[2];
                    if (c[1] < 0) {
                        int i = (int) (-1 - c[1]);
                        Planned move = planned.get(i);
                        int e = end(move.period());
                        if (e - at >= 2 && move.prefetch() < e) {
                            memory.add(move.prefetch(), e, -bytes(move.period()));
                            planned.set(i, new Planned(move.period(), move.host(), move.offload(), move.clear(), e,
                                    move.local(), move.demand()));
                        }
                        continue;
                    }
                    int p = (int) c[1];
                    int e = end(p);
                    if (moved[p] || e - at < 2) {
                        continue;
                    }
                    long bytes = bytes(p);
                    boolean toHost = hostHasRoom(bytes);
                    if (!toHost && model.ssdCount() == 0) {
                        continue;
                    }
                    if (toHost) {
                        host.add(at, e, bytes);
                    }
                    moved[p] = true;
                    planned.add(new Planned(p, toHost, at, at - 1, e, false, true));
                    memory.add(at, e, -bytes);
                }
            }
        }

        private List<PlanEntry> entries() {
            List<PlanEntry> entries = new ArrayList<>(2 * planned.size());
            int nextSsd = 0;
            for (Planned move : planned) {
                int p = move.period();
                Tensor tensor = workload.tensor(periods.tensor(p));
                int s = start(p);
                int e = end(p);
                PlanTarget target = move.host() ? PlanTarget.HOST : PlanTarget.SSD;
                int ssd = -1;
                if (!move.host()) {
                    ssd = model.ssdId(nextSsd);
                    nextSsd = (nextSsd + 1) % model.ssdCount();
                }
                int offload = move.offload();
                int needs = move.demand() ? offload : Math.min(Math.max(move.clear() + 1, s + 1), e - 1);
                entries.add(new PlanEntry(tensor.id(), tensor.key(), PlanAction.OFFLOAD, target, ssd, offload % n,
                        needs % n, needs - offload <= 1));
                entries.add(new PlanEntry(tensor.id(), tensor.key(), PlanAction.PREFETCH, target, ssd,
                        move.prefetch() % n, e % n, e - move.prefetch() <= 1));
            }
            return GreedyState.inIssueOrder(entries);
        }
    }
}
