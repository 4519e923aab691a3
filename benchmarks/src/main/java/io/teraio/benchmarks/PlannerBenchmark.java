package io.teraio.benchmarks;

import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanEntry;
import io.teraio.fixtures.SyntheticWorkload;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.TeraioPolicy;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import io.teraio.profiler.synth.TransformerSpec;
import io.teraio.profiler.synth.TransformerTrace;
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
 * How long the {@code teraio} policy takes to plan one iteration of about {@code ops} ops,
 * one call per measurement ({@code Mode.SingleShotTime}). Two kinds of trace:
 * <ul>
 * <li>{@code llama3-8b}, {@code llama3-70b}: {@link TransformerTrace} presets with 8
 *     micro-batches, split into {@code ops} kernels, on one 80 GB device with 4 SSDs
 *     (6.5 GB/s read, 5 GB/s write, 20 µs), PCIe 31.5 GB/s and 256 GiB of host memory;
 * <li>{@code gpt2-like}: {@link SyntheticWorkload#gpt2Like()}'s layer repeated to about
 *     {@code ops} ops in one iteration, at 70% of its peak memory, with the same SSDs and
 *     no host memory (as in {@code SimulatorBenchmark}): about two periods per op and far
 *     too little bandwidth, the planner's worst case.
 * </ul>
 * Run with {@code java -jar benchmarks/target/benchmarks.jar PlannerBenchmark}; narrow it
 * with {@code -p model=llama3-8b -p ops=50000}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = "-Xmx4g")
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@State(Scope.Benchmark)
public class PlannerBenchmark {
    @Param({"llama3-8b", "llama3-70b", "gpt2-like"})
    public String model;

    @Param({"50000", "250000"})
    public int ops;

    private Workload workload;
    private HardwareProfile hardware;

    @Setup
    public void generate() {
        List<Ssd> ssds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ssds.add(new Ssd(i, null, 6_500_000_000L, 5_000_000_000L, 20_000, -1));
        }
        if (model.equals("gpt2-like")) {
            SyntheticWorkload base = SyntheticWorkload.gpt2Like();
            int layers = Math.max(1, (ops - 3) / 13);
            workload = Workload.of(new SyntheticWorkload("gpt2-like-" + layers + "l", layers, 1,
                    base.paramBytesPerLayer(), base.activationBytesPerLayer(), base.forwardNsPerLayer()).trace());
            hardware = new HardwareProfile(
                    List.of(new Device(0, workload.peakLiveBytes() * 7 / 10, 31_500_000_000L)), ssds, 0);
        } else {
            TransformerSpec p = TransformerSpec.preset(model);
            TransformerSpec spec = new TransformerSpec(p.name(), p.layers(), p.hidden(), p.heads(), p.kvHeads(),
                    p.ffn(), p.vocab(), p.seq(), p.batch(), 8, p.bytesPerParam(), p.flopsPerSecond(),
                    p.memoryBytesPerSecond(), ops);
            workload = Workload.of(TransformerTrace.generate(spec, 1));
            hardware = new HardwareProfile(List.of(new Device(0, 80_000_000_000L, 31_500_000_000L)), ssds,
                    256L << 30);
        }
        List<PlanEntry> plan = new TeraioPolicy().plan(workload, hardware);
        SimulationResult r = Simulator.simulate(workload, hardware, plan);
        System.out.printf("%n%s: %d ops, %d tensors, peak %.1f GiB, device %.1f GiB; plan: %d entries, %s, %.1f%% of"
                + " ideal%n", model, workload.opCount(), workload.tensorCount(), workload.peakLiveBytes() / 0x1p30,
                hardware.device().memoryBytes() / 0x1p30, plan.size(), r.ran() ? "ran" : r.outOfMemory(),
                r.percentOfIdeal());
    }

    @Benchmark
    public List<PlanEntry> plan() {
        return new TeraioPolicy().plan(workload, hardware);
    }
}
