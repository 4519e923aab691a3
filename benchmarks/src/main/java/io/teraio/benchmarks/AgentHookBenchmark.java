package io.teraio.benchmarks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import io.teraio.agent.AgentOptions;
import io.teraio.agent.internal.AgentRuntime;
import io.teraio.agent.internal.Dispatch;
import io.teraio.agent.internal.Hooks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the DJL agent's hooks cost per op, on real arrays of DJL's PyTorch CPU engine in this
 * JVM: an "iteration" of {@value #OPS} ops {@code c = a.add(b); c.close()} on 4-element arrays
 * (the smallest op there is: one {@code JniUtils} call, one array created and one closed),
 * then the iteration boundary the {@code Trainer#step} hook reports. The score is nanoseconds
 * per op, sampled one iteration at a time: on a shared virtual machine, whose interference only
 * ever adds time, read the low percentiles ({@code p0.10}) beside the median; {@code agent}
 * picks what is woven and listening:
 * <ul>
 * <li>{@code unhooked}: DJL as it is, the reference;</li>
 * <li>{@code hooked}: the agent's advice woven into DJL (as {@code -javaagent} does) with no
 *     runtime listening, as after the agent has gone idle;</li>
 * <li>{@code offload}: the agent's runtime in offload mode applying an empty plan made for
 *     this iteration (op counting and checking, array tracking), as {@code AgentOverhead}'s
 *     offload variant; the plan is made by the built {@code teraio} command ({@link EmptyPlan});</li>
 * <li>{@code profile}: the runtime recording every iteration into a trace (a fresh profile
 *     each measurement iteration, so the trace does not grow without bound).</li>
 * </ul>
 * Each value runs in its own JVM (a class woven stays woven). DJL and PyTorch are the
 * training job's and not in the benchmarks jar:
 *
 * <pre>
 * java -cp 'benchmarks/target/benchmarks.jar:examples/djl-trainer/target/lib/*' org.openjdk.jmh.Main AgentHookBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
        "-Dai.djl.pytorch.num_interop_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class AgentHookBenchmark {
    static final int OPS = 100;

    @Param({"unhooked", "hooked", "offload", "profile"})
    public String agent;

    private Path dir;
    private NDManager manager;
    private NDArray a;
    private NDArray b;
    private Model model;
    private Trainer trainer;
    private AgentRuntime runtime;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("agent-hook-benchmark");
        manager = NDManager.newBaseManager("PyTorch");
        a = manager.create(new float[] {1, 2, 3, 4});
        b = manager.create(new float[] {4, 3, 2, 1});
        // a trainer with AdamW state, as the runtime reads parameters and optimizer state from it
        model = Model.newInstance("agent-hook-benchmark", "PyTorch");
        model.setBlock(Linear.builder().setUnits(4).build());
        trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(Optimizer.adamW().build()));
        trainer.initialize(new Shape(1, 4));
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList x = new NDList(manager.ones(new Shape(1, 4)));
            collector.backward(trainer.getLoss().evaluate(x, trainer.forward(x)));
        }
        trainer.step();
        if (agent.equals("unhooked")) {
            return;
        }
        Hooks.install(ByteBuddyAgent.install(), error -> {
            throw new IllegalStateException(error);
        });
        if (agent.equals("offload")) {
            // the empty plan is made, as AgentOverhead makes it, for a profile of the same iteration
            Path trace = dir.resolve("trace.json.gz");
            start("mode=profile,warmup=1,iterations=1,out=" + trace);
            iteration();
            iteration();
            Path plan = dir.resolve("empty-plan.json");
            EmptyPlan.write(trace, plan);
            start("mode=offload,warmup=1,plan=" + plan + ",out=" + trace);
            iteration(); // warm-up
            iteration(); // watched: the run's op order
        }
    }

    /** Profile mode: a fresh profile each measurement iteration, past its one warm-up iteration. */
    @Setup(Level.Iteration)
    public void startProfile() {
        if (agent.equals("profile")) {
            start("mode=profile,warmup=1,iterations=1000000,out=" + dir.resolve("profile.json.gz"));
            iteration();
        }
    }

    /** Installs a new runtime (the one before is dropped: closing a profile would write its trace). */
    private void start(String args) {
        runtime = new AgentRuntime(AgentOptions.parse(args + ",stats=" + dir.resolve("stats.json") + ",dirs=" + dir),
                "benchmark");
        Dispatch.install(runtime);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Dispatch.install(null);
        trainer.close();
        model.close();
        manager.close();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** One iteration: {@value #OPS} ops, then the iteration boundary. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public void iteration() {
        for (int i = 0; i < OPS; i++) {
            a.add(b).close();
        }
        Dispatch.stepDone(trainer);
    }
}
