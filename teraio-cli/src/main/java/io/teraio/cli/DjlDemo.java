package io.teraio.cli;

import io.teraio.cli.DemoComparison.DemoRun;
import io.teraio.cli.DjlTrainerProcess.TrainerResult;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.Prediction;
import io.teraio.core.session.AgentStats;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The DJL workload of {@code teraio demo}: {@code examples/djl-trainer} trained twice in child
 * JVMs, once as it is and once under the teraio agent in {@code auto} mode, with a device
 * memory budget that only offloading can meet.
 */
final class DjlDemo {
    /** The budget is the training state (parameters, gradients, optimizer state) divided by this. */
    static final double BUDGET_DIVISOR = 1.5;
    /** Steps the agent skips before profiling. */
    static final int WARMUP = 1;
    /** Steps the agent profiles before it plans and offloads. */
    static final int PROFILED = 2;
    /** Seed of both runs. */
    static final int SEED = 42;

    private DjlDemo() {
    }

    /** The fewest steps that leave a step with offloading to time after warm-up, profiling and the first plan. */
    static int minimumSteps() {
        return WARMUP + PROFILED + 2;
    }

    /**
     * Runs both trainings and builds the comparison.
     *
     * @param model    {@code mlp} or {@code resnet}
     * @param steps    training steps of each run
     * @param work     the folder for result files, logs and the agent's files
     * @param dir      the offload directory
     * @param progress where the one-line progress of each stage goes
     * @param bar      the progress bar of each training run (drawn on a terminal only)
     */
    static DemoComparison run(String model, int steps, Path work, Path dir, PrintWriter progress, Progress bar) {
        DjlTrainerProcess trainer = DjlTrainerProcess.ofCheckout();
        trainer.requireTrainer();
        trainer.requireAgent();
        progress.printf(Locale.ROOT, "teraio demo: DJL %s, AdamW, synthetic data (seed %d), PyTorch CPU on one thread,"
                + " %d steps; work folder %s%n", model, SEED, steps, work);

        long start = System.nanoTime();
        TrainerResult baseline;
        try (Progress.Task task = bar.task("training without teraio", steps, false)) {
            baseline = trainer.train(model, steps, SEED, null, work.resolve("baseline.json"),
                    work.resolve("baseline.log"), task::set);
        }
        long state = baseline.trainingStateBytes();
        long budget = (long) Math.floor(state / BUDGET_DIVISOR);
        progress.printf(Locale.ROOT, "[1/3] without teraio: %d steps in %s; parameters %s + gradients %s + AdamW"
                        + " state %s = %s%n", steps, Units.formatNanos(System.nanoTime() - start),
                Units.formatBytes(baseline.parameterBytes()), Units.formatBytes(baseline.gradientBytes()),
                Units.formatBytes(baseline.optimizerStateBytes()), Units.formatBytes(state));
        progress.printf(Locale.ROOT, "[2/3] device memory budget %s (that / %.1f: only offloading can meet it);"
                + " offloading to %s%n", Units.formatBytes(budget), BUDGET_DIVISOR, dir);

        Path statsFile = work.resolve("agent-stats.json");
        Path planFile = work.resolve("plan.json");
        // hostMemory=0: the planner may not use host memory, so every offload goes to the directory.
        String agentArgs = String.join(",", "mode=auto", "dirs=" + dir, "deviceMemory=" + budget, "hostMemory=0",
                "warmup=" + WARMUP, "iterations=" + PROFILED, "stats=" + statsFile,
                "out=" + work.resolve("trace.json.gz"), "planOut=" + planFile);
        start = System.nanoTime();
        TrainerResult offload;
        try (Progress.Task task = bar.task("training with teraio", steps, false)) {
            offload = trainer.train(model, steps, SEED, agentArgs, work.resolve("auto.json"), work.resolve("auto.log"),
                    task::set);
        }
        if (!Files.isRegularFile(statsFile)) {
            throw new TeraioException("demo: the teraio agent wrote no stats to " + statsFile + " in the run with"
                    + " teraio; its output is in " + work.resolve("auto.log"));
        }
        AgentStats stats = AgentStats.read(statsFile);
        if (stats.error() != null) {
            throw new TeraioException("demo: the teraio agent stopped working in the run with teraio: " + stats.error()
                    + " (its output is in " + work.resolve("auto.log") + ")");
        }
        progress.printf(Locale.ROOT, "[3/3] with teraio (auto): %d steps in %s; %d plan entries, %s offloaded;"
                        + " agent files in %s%n", steps, Units.formatNanos(System.nanoTime() - start),
                stats.planEntries(), Units.formatBytes(stats.bytesOffloaded()), work);
        Prediction predicted = Plan.read(planFile).predicted();
        if (predicted != null) {
            progress.printf(Locale.ROOT, "      the plan predicts a step of %s against %s without offloading (ratio %.2f),"
                            + " %s to the SSD and back per step%n", Units.formatNanos(predicted.iterationNs()),
                    Units.formatNanos(predicted.idealNs()), (double) predicted.iterationNs() / predicted.idealNs(),
                    Units.formatBytes(predicted.bytesToSsd()));
        }

        int firstTimed = WARMUP + PROFILED + 1;
        DemoRun without = new DemoRun("without teraio", baseline.losses(), baseline.medianStepNanos(firstTimed, steps),
                stats.unconstrainedPeakBytes(), 0, 0, 0, 0, 0);
        DemoRun with = new DemoRun("with teraio (auto)", offload.losses(), offload.medianStepNanos(firstTimed, steps),
                stats.peakResidentBytes(), stats.bytesOffloaded(), stats.bytesPrefetched(), stats.stallNanos(),
                stats.misses(), stats.divergences());
        return new DemoComparison("djl " + model, budget, without, with, stats.predictedPeakBytes(),
                stats.predictedUnconstrainedBytes());
    }
}
