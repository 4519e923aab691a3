package io.teraio.planner.policy;

import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.trace.Tensor;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What a greedy planner has decided so far and what it leaves: the planned memory M'
 * ({@link Pressure}), the unclaimed bandwidth ({@link BandwidthBuckets}), host memory in use,
 * and the chosen {@link Move}s; with the ways of evaluating a period and of committing one.
 *
 * <p><b>On time.</b> The offload is issued at the op after the tensor's last use and fills
 * the write bandwidth forward from there; the op after the bucket it completes in is the
 * first whose memory it frees ({@code t_off}). The prefetch fills the read bandwidth
 * backward from the next use and is issued at the bucket of its first byte ({@code t_pre}),
 * which reserves the memory again. If {@code t_off < t_pre} the tensor is absent over
 * {@code [t_off, t_pre)}; the benefit is {@code bytes x} the weight of the ops in that range
 * whose M' exceeds the capacity, the score benefit over cost (offload plus prefetch time).
 *
 * <p><b>Forced.</b> When nothing fits on time, a period can still relieve the ops over
 * capacity inside it, {@code [a, b)} from the first to past the last: the offload uses the
 * free write bandwidth before {@code a} and the rest of it stalls compute at {@code a}; the
 * prefetch uses the free read bandwidth in {@code [b, next use)} and the rest stalls the next
 * use. A period already moved on time is <em>extended</em> the same way to the ops over
 * capacity it still holds memory at, using what it already claimed. The score is the
 * benefit per nanosecond of added stall.
 */
final class GreedyState {
    /** Which options a period may use. */
    enum Options {
        /** Every SSD and host memory; the best score wins. */
        ALL,
        /** SSDs; host memory only when no SSD has the bandwidth for the period (the paper's rule). */
        SSD_FIRST,
        /**
         * Every SSD, and host memory only for tensors idle more than once an iteration (two
         * periods or more), the best score winning: host memory, small beside the SSDs, then
         * goes to the tensors that cross most often (weights used by every micro-batch) rather
         * than to state used once a step, which took it first under {@link #ALL} by scoring
         * highest (the longest idle periods).
         */
        REUSED_ON_HOST
    }

    private final CostModel model;
    private final Workload workload;
    private final Periods periods;
    private final Pressure pressure;
    private final BandwidthBuckets buckets;
    private final PressureTree hostUse;
    /** The move of each period, or null; and the order moves were committed in. */
    private final Move[] moveOf;
    private final List<Integer> committed = new ArrayList<>();
    private final ClaimLog[] writeLog;
    private final ClaimLog[] readLog;
    /** Per period: its cheapest round trip over the available options. */
    private final long[] cheapest;
    private long stallNs;
    /**
     * Per option: the forced stall planned on it so far, offloads and prefetches. A channel
     * serves its transfers one after another, so a forced move queues behind the earlier
     * ones on its option; the forced phase picks an option counting this backlog.
     */
    private final long[] backlogOffNs;
    private final long[] backlogPreNs;

    /** The tensors that may go to host memory ({@link Options#REUSED_ON_HOST}); null: all. */
    private boolean[] hostOnlyFor;

    GreedyState(CostModel model, Periods periods, boolean fastPressure) {
        this.model = model;
        this.workload = model.workload();
        this.periods = periods;
        int n = model.opCount();
        long[] live = new long[n];
        for (int k = 0; k < n; k++) {
            live[k] = workload.liveBytes(k);
        }
        this.pressure = fastPressure ? new PressureTree(live, model.weights(), model.capacityBytes())
                : new PressureArray(live, model.weights(), model.capacityBytes());
        this.buckets = new BandwidthBuckets(model);
        this.hostUse = model.hostMemoryBytes() > 0
                ? new PressureTree(new long[n], model.weights(), Long.MAX_VALUE) : null;
        this.moveOf = new Move[periods.size()];
        this.writeLog = new ClaimLog[periods.size()];
        this.readLog = new ClaimLog[periods.size()];
        this.cheapest = new long[periods.size()];
        this.backlogOffNs = new long[model.hostOption() + 1];
        this.backlogPreNs = new long[model.hostOption() + 1];
        for (int p = 0; p < periods.size(); p++) {
            cheapest[p] = cheapestRoundTripNs(p);
        }
    }

    /** Applies {@link Options#REUSED_ON_HOST}: host memory only for tensors with two periods or more. */
    void hostOnlyForReused() {
        hostOnlyFor = reused();
    }

    /** Per tensor, whether it has two periods or more. */
    private boolean[] reused() {
        int[] count = new int[workload.tensorCount()];
        for (int p = 0; p < periods.size(); p++) {
            count[periods.tensor(p)]++;
        }
        boolean[] reused = new boolean[count.length];
        for (int t = 0; t < count.length; t++) {
            reused[t] = count[t] >= 2;
        }
        return reused;
    }

    /**
     * Whether {@link Options#REUSED_ON_HOST} could change this plan: it put a tensor with one
     * period in host memory while a tensor with more went to an SSD.
     */
    boolean hostHeldOnceUsedWhileReusedWentToSsd() {
        boolean[] reused = reused();
        boolean onceOnHost = false;
        boolean reusedOnSsd = false;
        for (int p : committed) {
            boolean host = model.isHost(moveOf[p].option());
            boolean again = reused[periods.tensor(p)];
            onceOnHost |= host && !again;
            reusedOnSsd |= !host && again;
        }
        return onceOnHost && reusedOnSsd;
    }

    CostModel model() {
        return model;
    }

    Periods periods() {
        return periods;
    }

    Pressure pressure() {
        return pressure;
    }

    /** The committed moves, in commit order. */
    List<Move> moves() {
        List<Move> result = new ArrayList<>(committed.size());
        for (int p : committed) {
            result.add(moveOf[p]);
        }
        return result;
    }

    /** The periods moved so far, in commit order. */
    List<Integer> movedPeriods() {
        return List.copyOf(committed);
    }

    /** Whether some committed move goes to host memory. */
    boolean usedHost() {
        for (int p : committed) {
            if (model.isHost(moveOf[p].option())) {
                return true;
            }
        }
        return false;
    }

    boolean overCapacity() {
        return pressure.max() > model.capacityBytes();
    }

    long bytes(int period) {
        return workload.bytes(periods.tensor(period));
    }

    private boolean available(int option) {
        return !model.isHost(option) || hostUse != null;
    }

    /** The cheapest round trip of {@code period} over the options available (a tail's: its offload). */
    private long cheapestRoundTripNs(int period) {
        long cheapest = Long.MAX_VALUE;
        for (int o = 0; o <= model.hostOption(); o++) {
            if (available(o)) {
                cheapest = Math.min(cheapest, costNs(period, o));
            }
        }
        return cheapest;
    }

    /** What moving {@code period} through {@code option} costs in transfers: a round trip, or a tail's offload alone. */
    private long costNs(int period, int option) {
        long bytes = bytes(period);
        return periods.tail(period) ? model.transferNs(bytes, option, CostModel.WRITE)
                : model.roundTripNs(bytes, option);
    }

    /** An upper bound of the on-time score of {@code period}: its whole idle range counted, its cheapest option. */
    double upperBound(int period) {
        long over = pressure.overWeight(periods.lastUse(period) + 1, periods.nextUse(period));
        return over == 0 ? 0 : (double) bytes(period) * over / cheapest[period];
    }

    /**
     * The best on-time move of {@code period} under {@code rule}, or {@code null} if none fits
     * on time. An option is not evaluated further once a bound of its score (the window from
     * its offload's completion to the next use) cannot beat the best found.
     */
    Move onTime(int period, Options rule) {
        Move best = null;
        boolean hostFirst = hostUse != null && rule != Options.SSD_FIRST;
        if (hostFirst) {
            best = onTime(period, model.hostOption(), null);
        }
        for (int o = 0; o < model.ssdCount(); o++) {
            best = better(best, onTime(period, o, best));
        }
        if (hostUse != null && !hostFirst && best == null) {
            best = onTime(period, model.hostOption(), null);
        }
        return best;
    }

    private static Move better(Move best, Move candidate) {
        return candidate != null && (best == null || candidate.score() > best.score()) ? candidate : best;
    }

    /** {@code period} moved on time through {@code option}, or {@code null} if it does not fit. */
    Move onTime(int period, int option) {
        return onTime(period, option, null);
    }

    /**
     * {@code period} moved on time through {@code option}, or {@code null} if it does not fit
     * or cannot score above {@code toBeat} (when not null).
     */
    private Move onTime(int period, int option, Move toBeat) {
        int lastUse = periods.lastUse(period);
        int nextUse = periods.nextUse(period);
        long bytes = bytes(period);
        int done = buckets.fillForward(option, CostModel.WRITE, lastUse + 1, nextUse,
                model.bucketBytes(bytes, option, CostModel.WRITE));
        if (done < 0) {
            return null;
        }
        int absentFrom = done + 1;
        long cost = costNs(period, option);
        if (toBeat != null && (double) bytes * pressure.overWeight(absentFrom, nextUse) / cost <= toBeat.score()) {
            return null;
        }
        if (periods.tail(period)) {
            // written out after its last use, gone at nextUse: nothing to read back
            if (absentFrom >= nextUse || !hostFits(period, option)) {
                return null;
            }
            double benefit = (double) bytes * pressure.overWeight(absentFrom, nextUse);
            return new Move(period, option, absentFrom, nextUse, nextUse, nextUse, 0, 0, benefit / cost, -1);
        }
        int start = buckets.fillBackward(option, CostModel.READ, absentFrom, nextUse,
                model.bucketBytes(bytes, option, CostModel.READ));
        if (start <= absentFrom || !hostFits(period, option)) {
            return null;
        }
        double benefit = (double) bytes * pressure.overWeight(absentFrom, start);
        return new Move(period, option, absentFrom, start, nextUse, start, 0, 0, benefit / cost, -1);
    }

    /**
     * The best forced move of {@code period} (an extension if it is moved already), or
     * {@code null} if it can relieve no op over capacity.
     */
    Move forced(int period) {
        Move moved = moveOf[period];
        if (moved != null) {
            return extended(moved);
        }
        int lastUse = periods.lastUse(period);
        int nextUse = periods.nextUse(period);
        int first = pressure.firstOver(lastUse + 1, nextUse);
        if (first < 0) {
            return null;
        }
        int last = pressure.lastOver(lastUse + 1, nextUse) + 1;
        Move best = null;
        double bestKey = 0;
        for (int o = 0; o <= model.hostOption(); o++) {
            if (available(o) && hostFits(period, o)) {
                Move m = forced(period, o, first, last);
                double key = queuedScore(m);
                if (best == null || key > bestKey) {
                    best = m;
                    bestKey = key;
                }
            }
        }
        return best;
    }

    /**
     * The score of a forced move with the forced stall already planned on its option counted
     * in its stall (the directions it stalls in): how the options of one period compare.
     */
    private double queuedScore(Move m) {
        if (model.isHost(m.option())) {
            return m.score();
        }
        long queued = (m.offloadStallNs() > 0 ? backlogOffNs[m.option()] : 0)
                + (m.prefetchStallNs() > 0 ? backlogPreNs[m.option()] : 0);
        return m.score() * Math.max(1, m.stallNs()) / Math.max(1, m.stallNs() + queued);
    }

    private Move forced(int period, int option, int first, int last) {
        int lastUse = periods.lastUse(period);
        int nextUse = periods.nextUse(period);
        long bytes = bytes(period);
        long needOff = model.bucketBytes(bytes, option, CostModel.WRITE);
        long freeOff = buckets.free(option, CostModel.WRITE, lastUse + 1, first);
        int absentFrom = first;
        long stallOff = 0;
        if (freeOff >= needOff) {
            absentFrom = buckets.fillForward(option, CostModel.WRITE, lastUse + 1, first, needOff) + 1;
        } else {
            stallOff = model.nsFor(needOff - freeOff, option, CostModel.WRITE);
        }
        long needPre = model.bucketBytes(bytes, option, CostModel.READ);
        long freePre = buckets.free(option, CostModel.READ, last, nextUse);
        int absentTo = last;
        long stallPre = 0;
        if (periods.tail(period)) {
            absentTo = nextUse; // nothing to read back
            last = nextUse;
        } else if (freePre >= needPre) {
            absentTo = buckets.fillBackward(option, CostModel.READ, last, nextUse, needPre);
        } else {
            stallPre = model.nsFor(needPre - freePre, option, CostModel.READ);
        }
        double benefit = (double) bytes * pressure.overWeight(absentFrom, absentTo);
        return new Move(period, option, absentFrom, absentTo, first, last, stallOff, stallPre,
                benefit / Math.max(1, stallOff + stallPre), -1);
    }

    /**
     * {@code moved} widened to the ops over capacity between its last use and its absent
     * range, and between its absent range and its next use: the offload must then be done
     * by the first of them (what it claimed before that op is all it has, the rest stalls),
     * the prefetch must start after the last. {@code null} if there is no such op.
     */
    private Move extended(Move moved) {
        int period = moved.period();
        int option = moved.option();
        int lastUse = periods.lastUse(period);
        int nextUse = periods.nextUse(period);
        long bytes = bytes(period);
        int before = pressure.firstOver(lastUse + 1, moved.absentFrom());
        int after = periods.tail(period) ? -1 : pressure.lastOver(moved.absentTo(), nextUse);
        if (before < 0 && after < 0) {
            return null;
        }
        int absentFrom = moved.absentFrom();
        int offloadClaimEnd = moved.offloadClaimEnd();
        long stallOff = moved.offloadStallNs();
        long gained = 0;
        if (before >= 0) {
            long own = writeLog[period].sum(lastUse + 1, before);
            stallOff = model.nsFor(model.bucketBytes(bytes, option, CostModel.WRITE) - own, option, CostModel.WRITE);
            gained += pressure.overWeight(before, absentFrom);
            absentFrom = before;
            offloadClaimEnd = before;
        }
        int absentTo = moved.absentTo();
        int prefetchFrom = moved.prefetchFrom();
        long stallPre = moved.prefetchStallNs();
        if (after >= 0) {
            long own = readLog[period].sum(after + 1, nextUse);
            stallPre = model.nsFor(model.bucketBytes(bytes, option, CostModel.READ) - own, option, CostModel.READ);
            gained += pressure.overWeight(absentTo, after + 1);
            absentTo = after + 1;
            prefetchFrom = after + 1;
        }
        long addedStall = stallOff + stallPre - moved.stallNs();
        return new Move(period, option, absentFrom, absentTo, offloadClaimEnd, prefetchFrom, stallOff, stallPre,
                (double) bytes * gained / Math.max(1, addedStall), -1);
    }

    private boolean hostFits(int period, int option) {
        if (!model.isHost(option)) {
            return true;
        }
        if (hostOnlyFor != null && !hostOnlyFor[periods.tensor(period)]) {
            return false;
        }
        // Host memory is held until the prefetch completes, which may be after the next
        // use's op is reached (a late prefetch): count that op too, as the simulator does.
        return hostUse.max(periods.lastUse(period) + 1, periods.nextUse(period) + 1) + bytes(period)
                <= model.hostMemoryBytes();
    }

    /** Claims the bandwidth of {@code chosen}, frees its memory in M' and records it (an extension replaces its move). */
    void commit(Move chosen) {
        int period = chosen.period();
        int first = pressure.firstOver(chosen.absentFrom(), chosen.absentTo());
        Move move = chosen.withNeedsMemoryAt(first < 0 ? chosen.absentFrom() : first);
        long bytes = bytes(period);
        Move previous = moveOf[period];
        if (previous != null) {
            pressure.add(move.absentFrom(), previous.absentFrom(), -bytes);
            pressure.add(previous.absentTo(), move.absentTo(), -bytes);
            stallNs += move.stallNs() - previous.stallNs();
            backlogOffNs[move.option()] += move.offloadStallNs() - previous.offloadStallNs();
            backlogPreNs[move.option()] += move.prefetchStallNs() - previous.prefetchStallNs();
            moveOf[period] = move;
            return;
        }
        int option = move.option();
        int lastUse = periods.lastUse(period);
        int nextUse = periods.nextUse(period);
        writeLog[period] = new ClaimLog();
        readLog[period] = new ClaimLog();
        buckets.claimForward(option, CostModel.WRITE, lastUse + 1, move.offloadClaimEnd(),
                model.bucketBytes(bytes, option, CostModel.WRITE), writeLog[period]);
        if (!periods.tail(period)) {
            buckets.claimBackward(option, CostModel.READ, move.prefetchFrom(), nextUse,
                    model.bucketBytes(bytes, option, CostModel.READ), readLog[period]);
        }
        pressure.add(move.absentFrom(), move.absentTo(), -bytes);
        if (model.isHost(option)) {
            hostUse.add(lastUse + 1, nextUse + 1, bytes);
        }
        stallNs += move.stallNs();
        backlogOffNs[option] += move.offloadStallNs();
        backlogPreNs[option] += move.prefetchStallNs();
        moveOf[period] = move;
        committed.add(period);
    }

    /**
     * Drops the moves, latest first, whose memory M' no longer needs: those whose absent
     * range stays at or under capacity with the tensor resident. Their bandwidth stays
     * claimed (nothing is planned after this).
     */
    void dropRedundant() {
        long capacity = model.capacityBytes();
        for (int i = committed.size() - 1; i >= 0; i--) {
            int period = committed.get(i);
            Move m = moveOf[period];
            long bytes = bytes(period);
            if (pressure.max(m.absentFrom(), m.absentTo()) + bytes <= capacity) {
                pressure.add(m.absentFrom(), m.absentTo(), bytes);
                stallNs -= m.stallNs();
                moveOf[period] = null;
                committed.remove(i);
            }
        }
    }

    /**
     * Issues each prefetch as early as M' allows, earliest next use first: its issue moves back
     * to the earliest op after its absent range starts from which M' plus its bytes stays at or
     * under capacity up to the old issue, but not before the issue of a prefetch hoisted already
     * (one with an earlier next use), so that prefetches stay issued in deadline order: an early
     * issued one would otherwise take memory and its SSD channel (served in issue order) ahead
     * of one due sooner. Bandwidth claims are left as they were (nothing is planned after
     * this); the absent range shrinks to match.
     */
    void hoistPrefetches() {
        long capacity = model.capacityBytes();
        List<Integer> order = new ArrayList<>(committed);
        order.removeIf(periods::tail); // no prefetch
        order.sort(Comparator.comparingInt(periods::nextUse));
        int floor = 0;
        for (int p : order) {
            Move m = moveOf[p];
            long bytes = bytes(p);
            int lo = m.absentFrom() + 1;
            int hi = m.absentTo();
            if (hi - 1 < lo || pressure.max(hi - 1, hi) + bytes > capacity) {
                continue;
            }
            int a = Math.max(lo, Math.min(hi - 1, floor));
            int b = hi - 1;
            while (a < b) {
                int mid = (a + b) >>> 1;
                if (pressure.max(mid, hi) + bytes <= capacity) {
                    b = mid;
                } else {
                    a = mid + 1;
                }
            }
            pressure.add(b, hi, bytes);
            floor = Math.max(floor, b);
            moveOf[p] = new Move(p, m.option(), m.absentFrom(), b, m.offloadClaimEnd(), b, m.offloadStallNs(),
                    m.prefetchStallNs(), m.score(), m.needsMemoryAt());
        }
    }

    /**
     * {@code moves} with every prefetch issued no earlier than each prefetch due before it on
     * the same SSD or host memory (a prefetch may only be put off, never brought forward, so
     * the memory it holds only shrinks), ordered by next use. A channel serves its transfers
     * in issue order, so a prefetch issued early but due late holds it while one due sooner
     * waits: on Llama3-8B's TERAIO setups, 4,857 such pairs among 1,442 prefetches. Putting
     * prefetches off can also leave a channel idle that an early one would have used, so this
     * is a candidate the simulator weighs, not a rule.
     */
    List<Move> inDeadlineOrder(List<Move> moves) {
        int n = model.opCount();
        // as the plan runs them, iteration after iteration: issued at absentTo mod n, due at the
        // next use after that
        List<Move> sorted = new ArrayList<>(moves);
        sorted.sort(Comparator.comparingInt((Move m) -> due(m, n)));
        int[] latest = new int[model.hostOption() + 1];
        Arrays.fill(latest, Integer.MIN_VALUE);
        for (int i = 0; i < sorted.size(); i++) {
            Move m = sorted.get(i);
            if (periods.tail(m.period())) {
                continue;
            }
            int issued = m.absentTo() % n;
            int issue = Math.max(issued, latest[m.option()]);
            latest[m.option()] = issue;
            if (issue != issued) {
                int to = m.absentTo() + issue - issued;
                sorted.set(i, new Move(m.period(), m.option(), m.absentFrom(), to, m.offloadClaimEnd(), to,
                        m.offloadStallNs(), m.prefetchStallNs(), m.score(), m.needsMemoryAt()));
            }
        }
        return sorted;
    }

    /**
     * When move m's prefetch is due, counted from the start of the iteration it is issued in (a
     * prefetch issued at the op that needs it is due there: a period is shorter than an iteration).
     */
    private int due(Move m, int n) {
        int issued = m.absentTo() % n;
        int due = periods.nextUse(m.period()) % n;
        return due >= issued ? due : due + n;
    }

    /** What the planning model predicts for the moves so far. */
    ModelOutcome outcome() {
        long moved = 0;
        for (int p : committed) {
            moved += (periods.tail(p) ? 1 : 2) * bytes(p);
        }
        return new ModelOutcome(pressure.overWeight(), pressure.max(), stallNs, moved);
    }

    /** The moves as plan entries, in issue order (urgent first within an op). */
    List<PlanEntry> entries() {
        return entries(moves());
    }

    /** {@code moves} (some of this state's, committed or earlier snapshots) as plan entries, in issue order. */
    List<PlanEntry> entries(List<Move> moves) {
        int n = model.opCount();
        List<PlanEntry> entries = new ArrayList<>(2 * moves.size());
        for (Move m : moves) {
            int period = m.period();
            int t = periods.tensor(period);
            Tensor tensor = workload.tensor(t);
            int issue = periods.lastUse(period) + 1;
            int nextUse = periods.nextUse(period);
            int needs = m.needsMemoryAt();
            boolean urgentOff = m.offloadStallNs() > 0 || needs - issue <= 1;
            boolean urgentPre = m.prefetchStallNs() > 0 || nextUse - m.absentTo() <= 1;
            entries.add(new PlanEntry(tensor.id(), tensor.key(), PlanAction.OFFLOAD, model.target(m.option()),
                    model.ssdId(m.option()), issue % n, needs % n, urgentOff));
            if (periods.tail(period)) {
                continue; // written out after its last use, never read back
            }
            entries.add(new PlanEntry(tensor.id(), tensor.key(), PlanAction.PREFETCH, model.target(m.option()),
                    model.ssdId(m.option()), m.absentTo() % n, nextUse % n, urgentPre));
        }
        return inIssueOrder(entries);
    }

    /** {@code entries} sorted by issue op, urgent ones first within an op, otherwise in their order. */
    static List<PlanEntry> inIssueOrder(List<PlanEntry> entries) {
        List<PlanEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingInt(PlanEntry::issueAtOp).thenComparing(e -> !e.urgent()));
        return sorted;
    }
}
