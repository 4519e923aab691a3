package io.teraio.benchmarks;

import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.TraceSource;
import io.teraio.core.trace.Recorder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of recording one op with three tensor uses, on one thread, next to the least any
 * timed recording costs: a bare pair of {@code System.nanoTime()} calls. Reports the
 * distribution of single calls (the median is {@code p0.50}). Run with
 * {@code java -jar benchmarks/target/benchmarks.jar RecorderBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = "-Xmx2g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class RecorderBenchmark {
    private static final int[] NONE = {};

    private Recorder recorder;
    private int[] uses;

    /** A fresh recorder each iteration, so the recorded ops do not pile up without bound. */
    @Setup(Level.Iteration)
    public void newRecorder() {
        recorder = new Recorder(new TraceSource("RecorderBenchmark", null, null, null));
        uses = new int[3];
        for (int i = 0; i < uses.length; i++) {
            uses[i] = recorder.registerTensor("tensor" + i, 4096, TensorKind.PARAMETER, true, true);
        }
    }

    /** A whole op at once, as custom trainers and importers record. */
    @Benchmark
    public void recordOp() {
        recorder.recordOp("linear", 1000, uses, NONE, NONE);
    }

    /** An op timed live, as the agent records around the real work. */
    @Benchmark
    public void beginAndEndOp() {
        recorder.endOp(recorder.beginOp("linear", uses), NONE);
    }

    /** The reference: the two clock reads any timed op needs. */
    @Benchmark
    public long nanoTimePair() {
        long start = System.nanoTime();
        return System.nanoTime() - start;
    }
}
