package io.teraio.benchmarks;

import io.teraio.core.trace.Trace;
import io.teraio.fixtures.SyntheticWorkload;
import io.teraio.profiler.LifetimeAnalyzer;
import io.teraio.profiler.Lifetimes;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long {@link LifetimeAnalyzer#analyze} takes on the 250k-op synthetic trace, in the
 * 512 MiB heap it is meant to fit in. Run with
 * {@code java -jar benchmarks/target/benchmarks.jar LifetimeAnalyzerBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = "-Xmx512m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class LifetimeAnalyzerBenchmark {
    private Trace trace;

    @Setup
    public void generate() {
        trace = SyntheticWorkload.withApproxOps(250_000).trace();
    }

    @Benchmark
    public Lifetimes analyze250kOps() {
        return LifetimeAnalyzer.analyze(trace);
    }
}
