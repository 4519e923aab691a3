package io.teraio.demo;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.demo.DemoComparison.DemoRun;
import io.teraio.demo.DemoComparison.ProcessPeak;
import io.teraio.examples.custom.ComputeBackend;
import io.teraio.examples.custom.MlpSpec;
import io.teraio.examples.custom.MlpTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code teraio demo --workload custom}: trains the custom-trainer example (an MLP whose
 * activations go through the embedding API, computing on the CPU or a GPU) twice in this process, step by step in
 * alternation so that both runs see the same machine: once without offloading (mode off, device
 * memory for everything), once with teraio in auto mode under a device-memory budget of half
 * the first run's peak, with offload files in the output directory. The result is the shared
 * {@link DemoComparison}.
 */
public final class CustomDemo {
    /** Iterations run before profiling, and profiled, in the run with teraio. */
    static final int WARMUP = 1;
    static final int PROFILED = 2;

    private CustomDemo() {
    }

    /**
     * The demo as {@code teraio demo --workload custom} runs it: both trainings, compared;
     * {@code teraio demo} prints the table and writes {@code custom-demo.json}.
     *
     * @param layers  the MLP's layers, or null for the demo model's
     * @param steps   training steps, or null for 8
     * @param compute where the MLP computes: {@code cpu}, {@code cuda} or {@code auto} (null: auto); the
     *                choice and why is printed
     * @param dir     the offload directory, or null for {@code outDir}
     * @param bar     the progress bar over the steps, drawn on a terminal (then the per-step lines are left out)
     * @throws TeraioException when {@code compute} is unknown or unusable here, or as {@link #compare}
     */
    public static DemoComparison run(PrintWriter out, StepProgress bar, Integer layers, Integer steps, String compute,
                                     Path dir, Path outDir) {
        ComputeBackend.Selection selection = ComputeBackend.select(compute == null ? "auto" : compute,
                TeraioConfig.resolve(Map.of()).device());
        TeraioConfig config = selection.config(Map.of());
        out.println("teraio demo: the custom-trainer example MLP, trained without and with teraio");
        out.println(selection.reason());
        return compare(spec(layers), steps == null ? 8 : steps, selection.backend(),
                dir == null ? config : config.withDirs(List.of(dir)), outDir, out, bar);
    }

    /**
     * Runs both trainings for {@code steps} steps of {@code spec}, computing with {@code compute}.
     *
     * @param config the configuration (arguments, properties, environment) both runs start from;
     *               when its {@code dirs} is empty, the offload files go in {@code outDir}
     * @param log    progress lines go here
     * @param bar    the progress bar over the steps
     * @throws TeraioException when {@code steps} leaves no step after profiling, or a run fails
     */
    static DemoComparison compare(MlpSpec spec, int steps, ComputeBackend compute, TeraioConfig config, Path outDir,
                                  PrintWriter log, StepProgress bar) {
        if (steps < WARMUP + PROFILED + 1) {
            throw new TeraioException("demo --workload custom: --iterations must be at least " + (WARMUP + PROFILED + 1)
                    + " (" + WARMUP + " warm-up, " + PROFILED + " profiled, then at least one with the plan), got " + steps);
        }
        WorkFolder.create(outDir);
        TeraioConfig base = config.dirs().isEmpty() ? config.withDirs(List.of(outDir)) : config;
        try (MlpTrainer baseline = MlpTrainer.open(spec, base.withDeviceMemory(2 * spec.totalBytes()),
                SessionOptions.off(), compute)) {
            baseline.step();
            long peak = baseline.stats().peakResidentBytes();
            long budget = peak / 2 / 4096 * 4096;
            log.printf(Locale.ROOT, "[1/3] without teraio, step 1: loss %s, %s resident at peak; the budget is half:"
                    + " %s%n", baseline.losses().get(0), Units.formatBytes(peak), Units.formatBytes(budget));
            try (MlpTrainer offload = MlpTrainer.open(spec, base.withDeviceMemory(budget),
                    SessionOptions.auto(WARMUP, PROFILED), compute)) {
                log.printf(Locale.ROOT, "[2/3] training %d steps, alternating: without teraio, then with teraio"
                        + " (auto: %d warm-up, %d profiled, then the plan; offload files in %s)%n", steps, WARMUP,
                        PROFILED, String.join(":", base.dirs().stream().map(Path::toString).toList()));
                try (StepProgress.Task task = bar.startSteps("training, alternating", steps)) {
                    for (int i = 0; i < steps; i++) {
                        if (i > 0) {
                            baseline.step();
                        }
                        offload.step();
                        task.set(i + 1);
                        if (!bar.enabled()) {
                            log.printf(Locale.ROOT, "  step %d: %s / %s%n", i + 1,
                                    Units.formatNanos(baseline.stepNanos().get(i)),
                                    Units.formatNanos(offload.stepNanos().get(i)));
                            log.flush();
                        }
                    }
                }
                SessionStats with = offload.stats();
                DemoComparison result = new DemoComparison("custom mlp on " + compute.id(), budget,
                        demoRun("without teraio", baseline), demoRun("with teraio (auto)", offload),
                        with.predictedPeakBytes(), with.predictedUnconstrainedBytes());
                log.printf(Locale.ROOT, "[3/3] compared %d steps; step times are means over steps %d to %d%n", steps,
                        WARMUP + PROFILED + 1, steps);
                return result;
            }
        }
    }

    private static DemoRun demoRun(String label, MlpTrainer trainer) {
        List<Long> nanos = trainer.stepNanos();
        long sum = 0;
        int from = WARMUP + PROFILED;
        for (int i = from; i < nanos.size(); i++) {
            sum += nanos.get(i);
        }
        SessionStats s = trainer.stats();
        return new DemoRun(label, trainer.losses(), sum / (nanos.size() - from), s.peakResidentBytes(),
                s.bytesOffloaded(), s.bytesPrefetched(), s.stallNs(), s.misses(), s.divergences(), ProcessPeak.UNMEASURED);
    }

    /** The model, with {@code layers} layers when not null. */
    private static MlpSpec spec(Integer layers) {
        MlpSpec s = MlpSpec.demo();
        if (layers == null) {
            return s;
        }
        if (layers < 2) {
            throw new TeraioException("demo --workload custom: --layers must be at least 2, got " + layers);
        }
        return new MlpSpec(s.batch(), s.inputs(), s.hidden(), s.outputs(), layers, s.learningRate(), s.seed());
    }
}
