package io.teraio.benchmarks;

import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.fixtures.SyntheticWorkload;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long {@link Simulator#simulate} takes (three replayed iterations) on a synthetic
 * GPT-2-like iteration of about {@code ops} ops, under a simple plan that offloads every
 * offloadable tensor over its longest idle gap (see {@link #longestGapPlan}), on 4 SSDs with
 * 70% of the iteration's peak memory. Run with
 * {@code java -jar benchmarks/target/benchmarks.jar SimulatorBenchmark} (add
 * {@code -p ops=250000} for the largest traces).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = "-Xmx2g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class SimulatorBenchmark {
    /** Ops in the simulated iteration (approximately: whole layers of 13 ops). */
    @Param("50000")
    public int ops;

    private Workload workload;
    private HardwareProfile hardware;
    private List<PlanEntry> plan;

    @Setup
    public void generate() {
        SyntheticWorkload base = SyntheticWorkload.gpt2Like();
        int layers = Math.max(1, (ops - 3) / 13);
        workload = Workload.of(new SyntheticWorkload("gpt2-like-" + layers + "l", layers, 1,
                base.paramBytesPerLayer(), base.activationBytesPerLayer(), base.forwardNsPerLayer()).trace());
        List<Ssd> ssds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ssds.add(new Ssd(i, null, 6_500_000_000L, 5_000_000_000L, 20_000, -1));
        }
        hardware = new HardwareProfile(
                List.of(new Device(0, workload.peakLiveBytes() * 7 / 10, 31_500_000_000L)), ssds, 0);
        plan = longestGapPlan(workload, ssds.size(), 200, 50);
        SimulationResult r = Simulator.simulate(workload, hardware, plan);
        System.out.printf("%n%d ops, %d entries: %s, %.1f%% of ideal%n", workload.opCount(), plan.size(),
                r.ran() ? "ran" : r.outOfMemory(), r.percentOfIdeal());
    }

    @Benchmark
    public SimulationResult simulate() {
        return Simulator.simulate(workload, hardware, plan);
    }

    /**
     * For every offloadable tensor, an offload right after the use that starts its longest idle
     * gap (between consecutive uses, wrapping across the iteration boundary for tensors resident
     * across it) and a prefetch issued {@code lookaheadOps} before the use that ends it; gaps of
     * fewer than {@code minGapOps} ops are left alone. SSDs are used round robin.
     */
    static List<PlanEntry> longestGapPlan(Workload w, int ssds, int lookaheadOps, int minGapOps) {
        int n = w.opCount();
        List<PlanEntry> entries = new ArrayList<>();
        int next = 0;
        for (int t = 0; t < w.tensorCount(); t++) {
            int[] uses = w.useOps(t);
            if (!w.inIteration(t) || !w.offloadable(t) || uses.length == 0) {
                continue;
            }
            int bestFrom = -1;
            int bestTo = -1;
            for (int i = 0; i + 1 < uses.length; i++) {
                if (uses[i + 1] - uses[i] > bestTo - bestFrom) {
                    bestFrom = uses[i];
                    bestTo = uses[i + 1];
                }
            }
            if (w.wraps(t) && uses[0] + n - uses[uses.length - 1] > bestTo - bestFrom) {
                bestFrom = uses[uses.length - 1];
                bestTo = uses[0] + n;
            }
            if (bestTo - bestFrom < minGapOps) {
                continue;
            }
            int offloadAt = bestFrom + 1;
            int prefetchAt = Math.max(offloadAt, bestTo - lookaheadOps);
            int ssd = next++ % ssds;
            String key = w.tensor(t).key();
            int id = w.tensorId(t);
            entries.add(new PlanEntry(id, key, PlanAction.OFFLOAD, PlanTarget.SSD, ssd, offloadAt % n, bestTo % n,
                    false));
            entries.add(new PlanEntry(id, key, PlanAction.PREFETCH, PlanTarget.SSD, ssd, prefetchAt % n, bestTo % n,
                    false));
        }
        return entries;
    }
}
