package io.teraio.cli;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.core.trace.TraceWriter;
import io.teraio.profiler.LifetimeAnalyzer;
import io.teraio.profiler.LifetimeSummary;
import io.teraio.profiler.SyntheticWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code teraio demo}: the main job of this release. It records a synthetic GPT-2-like
 * training job with the profiler's recorder, writes the trace, reads it back and analyzes
 * tensor lifetimes. Training a real DJL model under the agent comes with the agent.
 */
@Command(name = "demo",
        description = {"Record a synthetic GPT-2-like training job with the recorder, write its trace,",
                "read it back and analyze tensor lifetimes. (The DJL training demo comes with the agent.)"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "teraio-demo",
            description = "Where the trace goes (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--layers", paramLabel = "N", description = "Transformer layers (default: the workload's own).")
    Integer layers;

    @Option(names = "--iterations", paramLabel = "N", description = "Training iterations to record (default: the workload's own).")
    Integer iterations;

    @Option(names = "--workload", paramLabel = "W", defaultValue = "synthetic",
            description = {"synthetic (default): record and analyze a synthetic trace;",
                    "custom: train the custom-trainer example MLP without and with teraio (auto, half the memory)",
                    "and compare them; --iterations is its steps (default 8), --layers its layers (default 8)."})
    String workload;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if ("custom".equals(workload)) {
            return CustomDemo.run(out, layers, iterations, outDir);
        }
        if (!"synthetic".equals(workload)) {
            throw new TeraioException("demo: --workload must be synthetic or custom, got '" + workload + "'");
        }
        SyntheticWorkload workload = workload();
        out.printf(Locale.ROOT, "teraio demo: a synthetic %s training job, %d layers, %d iterations%n",
                workload.model(), workload.layers(), workload.iterations());

        long start = System.nanoTime();
        Trace recorded = workload.trace();
        long recordNs = System.nanoTime() - start;
        out.printf(Locale.ROOT, "[1/3] recorded %,d ops on %,d tensors in %s%n",
                recorded.ops().size(), recorded.tensors().size(), Units.formatNanos(recordNs));

        Path file = outDir.resolve("trace.json.gz");
        createDirectory(outDir);
        start = System.nanoTime();
        TraceWriter.write(recorded, file);
        Trace readBack = TraceReader.read(file);
        long ioNs = System.nanoTime() - start;
        if (!readBack.equals(recorded)) {
            throw new IllegalStateException("the trace read back from " + file + " differs from the one recorded");
        }
        out.printf(Locale.ROOT, "[2/3] wrote %s (%s) and read it back identical in %s%n",
                file, Units.formatBytes(size(file)), Units.formatNanos(ioNs));

        start = System.nanoTime();
        LifetimeSummary summary = LifetimeAnalyzer.analyze(readBack).summary();
        out.printf(Locale.ROOT, "[3/3] analyzed lifetimes in %s:%n", Units.formatNanos(System.nanoTime() - start));
        AnalyzeCommand.printTable(out, file.toString(), readBack, summary);
        out.printf(Locale.ROOT, "%nNext: scripts/teraio analyze %s --json%n", file);
        return 0;
    }

    private SyntheticWorkload workload() {
        SyntheticWorkload w = SyntheticWorkload.gpt2Like();
        int l = layers == null ? w.layers() : layers;
        int i = iterations == null ? w.iterations() : iterations;
        if (l < 1 || i < 1) {
            throw new TeraioException("demo: --layers and --iterations must be at least 1, got " + l + " and " + i);
        }
        return new SyntheticWorkload(w.model(), l, i, w.paramBytesPerLayer(), w.activationBytesPerLayer(), w.forwardNsPerLayer());
    }

    static void createDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TeraioException(dir + ": cannot create the output directory: " + e.getMessage(), e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new TeraioException(file + ": cannot read its size: " + e.getMessage(), e);
        }
    }
}
