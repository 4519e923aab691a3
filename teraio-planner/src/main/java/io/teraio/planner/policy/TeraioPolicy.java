package io.teraio.planner.policy;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanEntry;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationOptions;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * teraio's planner, the default: the paper's greedy (see {@link TeraioPaperPolicy}) made
 * incremental, plus what the paper lacks.
 *
 * <ul>
 * <li>M' lives in a segment tree ({@link PressureTree}): subtracting a tensor over its
 *     absent range and asking "how much time over capacity does this range hold" are
 *     O(log n) instead of a rescan.
 * <li>Periods wait in a max-heap keyed by their last score. On-time scores only fall (M'
 *     only falls and claimed bandwidth only grows), so a stale key is an upper bound: the
 *     planner pops the top period, re-scores it, and moves it if its new score is within
 *     the tolerance of the next key (then it is within the tolerance of the best), else
 *     pushes it back with its new score. With tolerance 0 (and no re-score cap) that picks
 *     what a full rescan picks; the default 0.05 saves most re-scoring when many scores sink
 *     together (as they do when bandwidth runs short: each move narrows the windows of its
 *     neighbours), and a period re-scored {@value #ON_TIME_RESCORES} times is moved at its
 *     current score.
 * <li>Bandwidth buckets are indexed ({@link BandwidthBuckets}): a fill query is O(log n).
 * <li>Every period may go to any SSD or to host memory (under the cap), whichever scores
 *     best; when that plan needs stalls and put something in host memory, the paper's
 *     SSD-first rule is planned as well, and (in {@link #plan}) so is host memory for
 *     reused tensors only ({@link GreedyState.Options#REUSED_ON_HOST}).
 * <li>When no period fits on time and memory is still over capacity, it does not give up:
 *     it moves (or widens the absent range of) the periods that relieve the most
 *     over-capacity time per nanosecond of predicted stall (forced moves, see
 *     {@link GreedyState}), until M' fits.
 * <li>Finally it drops moves that later moves made unnecessary, so less data moves.
 * <li>When it had to force moves, the {@link Simulator} picks the plan to return (see
 *     {@link #plan}).
 * </ul>
 */
public final class TeraioPolicy implements Policy {
    public static final String NAME = "teraio";
    /** The default tolerance of the lazy heap. */
    public static final double DEFAULT_TOLERANCE = 0.05;
    /**
     * After this many re-scores a period is moved at its current score, if it still scores.
     * When bandwidth runs short every move narrows its neighbours' windows and their scores
     * sink together, a little at a time; without a cap most of the planning time goes to
     * re-scoring periods on their way to not fitting at all (80 re-scores each on a 50k-op
     * GPT-2-like trace at 70% memory), with it the plans simulate as well or better.
     */
    static final int ON_TIME_RESCORES = 8;
    /** The tolerance of the forced phase, whose scores are a heuristic anyway. */
    static final double FORCED_TOLERANCE = 0.5;
    /** {@link #ON_TIME_RESCORES} for the forced phase. */
    static final int FORCED_RESCORES = 4;

    /**
     * How candidates are simulated: two iterations (the second starts from the first one's end
     * state, as the steady state does) and no timelines, which is all the choice needs.
     */
    private static final SimulationOptions SIMULATION = new SimulationOptions(2, 2);

    private final double tolerance;

    /** With the default tolerance. */
    public TeraioPolicy() {
        this(DEFAULT_TOLERANCE);
    }

    /**
     * @param tolerance how far below the next key of the heap (as a fraction, 0 to under 1) a
     *                  re-scored move may be and still be taken
     */
    public TeraioPolicy(double tolerance) {
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("teraio: tolerance must be in [0, 1), got " + tolerance);
        }
        this.tolerance = tolerance;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The plan. When the planning model needs forced moves, the model is known to be
     * pessimistic (its bandwidth buckets are claimed as if every transfer ran where the greedy
     * placed it, while at run time prefetches wait for memory and channels serve in issue
     * order), so the candidates (the model's plan, the same without its forced moves or with its
     * prefetches in deadline order, and these again under the SSD-first and the reused-on-host
     * rules when host memory was used) are simulated in the
     * {@link Simulator} and the one with the shortest iteration that runs is returned.
     */
    @Override
    public List<PlanEntry> plan(Workload workload, HardwareProfile hardware) {
        CostModel model = CostModel.forPlanning(workload, hardware, true);
        Periods periods = Periods.of(workload, t -> true, true);
        Variant all = variant(model, periods, GreedyState.Options.ALL);
        List<List<PlanEntry>> candidates = new ArrayList<>(all.candidates());
        if (!all.forced() && Simulator.startBytes(workload, candidates.get(0)) <= model.capacityBytes()) {
            // On time in the model, every op fits and transfers finish before they are due;
            // what the model does not see is the start of the iteration, checked here.
            return candidates.get(0);
        }
        List<Variant> others = List.of();
        if (model.ssdCount() > 0 && all.state().usedHost()) {
            List<GreedyState.Options> rules = new ArrayList<>(List.of(GreedyState.Options.SSD_FIRST));
            if (all.state().hostHeldOnceUsedWhileReusedWentToSsd()) {
                rules.add(GreedyState.Options.REUSED_ON_HOST);
            }
            // independent greedy runs over the same immutable model: in parallel, kept in this order
            others = rules.parallelStream().map(rule -> variant(model, periods, rule)).toList();
            others.forEach(v -> candidates.addAll(v.candidates()));
        }
        // The simulations are independent (the workload is immutable): run them in parallel, then
        // pick in candidate order, so the choice does not depend on scheduling.
        SimulationResult[] results = new SimulationResult[candidates.size()];
        IntStream.range(0, candidates.size()).parallel()
                .forEach(i -> results[i] = Simulator.simulate(workload, hardware, candidates.get(i), SIMULATION));
        int best = -1;
        for (int i = 0; i < results.length; i++) {
            if (runs(results[i]) && (best < 0
                    || results[i].prediction().iterationNs() < results[best].prediction().iterationNs())) {
                best = i;
            }
        }
        if (best < 0) {
            throw new TeraioException(NAME + ": " + whyNoPlanRuns(workload, hardware, model, all, others, results[0]));
        }
        return candidates.get(best);
    }

    /** Whether a simulation ran to the end within the host memory cap. */
    private static boolean runs(SimulationResult r) {
        return r.ran() && r.hostMemoryViolation() == null;
    }

    /**
     * Why no candidate plan runs, in one line: the first op the planning model could not bring
     * under capacity, with what held it there, or, when the model fit, the simulator's verdict
     * on the model's own plan.
     */
    private static String whyNoPlanRuns(Workload workload, HardwareProfile hardware, CostModel model, Variant all,
                                        List<Variant> others, SimulationResult first) {
        GreedyState state = all.state();
        for (Variant v : others) {
            if (!v.state().overCapacity()) {
                state = v.state();
                break;
            }
        }
        Pressure pressure = state.pressure();
        int n = workload.opCount();
        if (state.overCapacity()) {
            int k = pressure.firstOver(0, n);
            String where = model.ssdCount() == 0
                    ? "there is no SSD, and host memory (" + Units.formatBytes(model.hostMemoryBytes())
                    + ") holds no more of the tensors idle there"
                    : "the SSDs (latency " + Units.formatNanos(hardware.ssds().stream().mapToLong(Ssd::latencyNs)
                    .min().orElse(0)) + ") and host memory (" + Units.formatBytes(model.hostMemoryBytes())
                    + ") take no more of the tensors idle there";
            return "op " + k + " (" + workload.opName(k) + ") cannot fit in device memory: "
                    + Units.formatBytes(pressure.max(k, k + 1)) + " stay resident there, more than the device's "
                    + Units.formatBytes(model.capacityBytes()) + ", because " + where;
        }
        String problem = first.ran() ? first.hostMemoryViolation() : first.outOfMemory();
        return "no candidate plan runs in the simulator, though the planning model keeps every op under the"
                + " device's " + Units.formatBytes(model.capacityBytes()) + "; the plan's replay: " + problem;
    }

    /**
     * The planning model's own plan, the better of the two option rules in the model: it keeps
     * M' at or under capacity whenever the check that some plan can passes.
     */
    GreedyState run(Workload workload, HardwareProfile hardware) {
        CostModel model = CostModel.forPlanning(workload, hardware, true);
        Periods periods = Periods.of(workload, t -> true, true);
        GreedyState best = variant(model, periods, GreedyState.Options.ALL).state();
        ModelOutcome outcome = best.outcome();
        if ((outcome.stallNs() > 0 || outcome.overflowNs() > 0) && model.ssdCount() > 0 && best.usedHost()) {
            GreedyState ssdFirst = variant(model, periods, GreedyState.Options.SSD_FIRST).state();
            if (ssdFirst.outcome().betterThan(outcome)) {
                best = ssdFirst;
            }
        }
        return best;
    }

    /**
     * A plan under one option rule: the final state, and the moves it had before the forced
     * phase (empty if there was none).
     */
    private record Variant(GreedyState state, List<Move> onTime, List<Move> unhoisted, boolean forced) {
        /**
         * The plan; when there were forced moves, also the plan before its prefetches were
         * hoisted, the plan without its forced moves, and the plan with its prefetches put off
         * into deadline order on each channel ({@link GreedyState#inDeadlineOrder}).
         */
        List<List<PlanEntry>> candidates() {
            return forced ? List.of(state.entries(), state.entries(unhoisted), state.entries(onTime),
                    state.entries(state.inDeadlineOrder(state.moves())))
                    : List.of(state.entries());
        }
    }

    private Variant variant(CostModel model, Periods periods, GreedyState.Options rule) {
        GreedyState state = new GreedyState(model, periods, true);
        if (rule == GreedyState.Options.REUSED_ON_HOST) {
            state.hostOnlyForReused();
        }
        ScoreHeap heap = new ScoreHeap();
        for (int p = 0; p < periods.size(); p++) {
            double bound = state.upperBound(p);
            if (bound > 0) {
                heap.push(p, bound);
            }
        }
        List<Integer> late = new ArrayList<>();
        drain(state, heap, p -> state.onTime(p, rule), tolerance, ON_TIME_RESCORES, late);
        List<Move> onTime = List.of();
        boolean forced = state.overCapacity();
        if (forced) {
            onTime = state.moves();
            late.addAll(state.movedPeriods());
            ScoreHeap forcedHeap = new ScoreHeap();
            for (int p : late) {
                Move move = state.forced(p);
                if (move != null && move.score() > 0) {
                    forcedHeap.push(p, move.score());
                }
            }
            // Forced scores can rise as well as fall (the over-capacity range inside a period
            // shrinks), so here the lazy heap is a heuristic, not a bounded argmax.
            drain(state, forcedHeap, state::forced, FORCED_TOLERANCE, FORCED_RESCORES, new ArrayList<>());
        }
        state.dropRedundant();
        List<Move> unhoisted = List.of();
        if (forced) {
            unhoisted = state.moves();
            state.hoistPrefetches();
        }
        return new Variant(state, onTime, unhoisted, forced);
    }

    /**
     * Commits moves from {@code heap} while memory is over capacity: pops the top period,
     * re-scores it with {@code evaluate}, commits it if it is within {@code tolerance} of the
     * next key or has been re-scored {@code maxRescores} times, else pushes it back. Periods
     * that score nothing go to {@code dropped}.
     */
    private static void drain(GreedyState state, ScoreHeap heap, IntFunction<Move> evaluate, double tolerance,
                              int maxRescores, List<Integer> dropped) {
        double keep = 1 - tolerance;
        int[] rescores = new int[state.periods().size()];
        while (state.overCapacity() && !heap.isEmpty()) {
            int p = heap.pop();
            Move move = evaluate.apply(p);
            if (move == null || move.score() <= 0) {
                dropped.add(p);
            } else if (move.score() < keep * heap.peekScore() && ++rescores[p] < maxRescores) {
                heap.push(p, move.score());
            } else {
                state.commit(move);
            }
        }
    }
}
