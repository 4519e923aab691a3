package io.teraio.demo;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.Prediction;
import io.teraio.core.session.AgentStats;
import io.teraio.demo.DemoComparison.DemoRun;
import io.teraio.demo.DemoComparison.ProcessPeak;
import io.teraio.demo.DjlTrainerProcess.TrainerResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The DJL workload of {@code teraio demo}: {@code examples/djl-trainer} trained twice in child
 * JVMs, once as it is and once under the teraio agent in {@code auto} mode, with a device
 * memory budget that only offloading can meet.
 */
public final class DjlDemo {
    /**
     * The budget is the training state (parameters, gradients, optimizer state) divided by
     * this: a third or less of the unconstrained peak, which holds the activations as well.
     */
    static final double BUDGET_DIVISOR = 3;
    /** Steps the agent skips before profiling. */
    static final int WARMUP = 1;
    /** Steps the agent profiles before it plans and offloads. */
    static final int PROFILED = 2;
    /** Seed of both runs. */
    static final int SEED = 42;
    /**
     * The MLP's training state (parameters, gradients, AdamW's two moments) when {@code --size}
     * is not given: hidden layers of 2048, 737 MiB, so that what teraio saves stands well above
     * the run-to-run spread of a JVM's resident bytes.
     */
    public static final String DEFAULT_SIZE = "768m";
    /**
     * The ResNet's depth: ResNet-50 (ImageNet-style, one 64x64 image per step), 358 MiB of
     * training state in 161 parameters, so that what teraio saves stands above the JVM's spread
     * too (the trainer's own default, the CIFAR ResNet-56, holds 3.3 MiB).
     */
    public static final int RESNET_LAYERS = 50;
    /**
     * The agent's task size in the demo: 1 MiB tasks keep 4 MiB in staging buffers where the
     * engine's default 4 MiB keeps 16, and spread a tensor over more I/O threads (measured,
     * docs/agent-results.md: the MLP saved 86.6% of the prediction at a step ratio of 1.09,
     * against 83.2% and 1.20 at 4 MiB).
     */
    static final String AGENT_TASK_SIZE = "1m";
    /** The MLP's inputs, classes and hidden layers, as {@code DjlTrainer} builds it. */
    private static final long MLP_INPUTS = 1024;
    private static final long MLP_CLASSES = 16;
    private static final long MLP_HIDDEN_LAYERS = 12;
    /** The hidden width is a multiple of this. */
    private static final int HIDDEN_STEP = 64;
    /** Bytes per parameter of training state: a float each of the weight, its gradient and AdamW's two moments. */
    private static final long STATE_BYTES_PER_PARAMETER = 4 * Float.BYTES;

    private DjlDemo() {
    }

    /** The fewest steps that leave a step with offloading to time after warm-up, profiling and the first plan. */
    public static int minimumSteps() {
        return WARMUP + PROFILED + 2;
    }

    /** The MLP's parameters with hidden layers of {@code hidden}: weights and biases of all thirteen layers. */
    static long mlpParameters(long hidden) {
        return MLP_INPUTS * hidden + (MLP_HIDDEN_LAYERS - 1) * hidden * hidden + hidden * MLP_CLASSES
                + MLP_HIDDEN_LAYERS * hidden + MLP_CLASSES;
    }

    /**
     * The widest hidden layers (a multiple of 64) whose MLP's training state is at most
     * {@code stateBytes}.
     *
     * @throws TeraioException when even a width of 64 is larger
     */
    public static int mlpHidden(long stateBytes) {
        long parameters = stateBytes / STATE_BYTES_PER_PARAMETER;
        long a = MLP_HIDDEN_LAYERS - 1;
        long b = MLP_INPUTS + MLP_CLASSES + MLP_HIDDEN_LAYERS;
        long hidden = (long) ((-b + Math.sqrt((double) b * b + 4.0 * a * (parameters - MLP_CLASSES))) / (2 * a));
        hidden = hidden / HIDDEN_STEP * HIDDEN_STEP;
        while (hidden > 0 && mlpParameters(hidden) > parameters) {
            hidden -= HIDDEN_STEP;
        }
        while (mlpParameters(hidden + HIDDEN_STEP) <= parameters) {
            hidden += HIDDEN_STEP;
        }
        if (hidden < HIDDEN_STEP) {
            throw new TeraioException("demo: --size " + Units.formatBytes(stateBytes) + " is smaller than the"
                    + " smallest MLP (hidden layers of " + HIDDEN_STEP + ": " + Units.formatBytes(
                    STATE_BYTES_PER_PARAMETER * mlpParameters(HIDDEN_STEP)) + " of training state)");
        }
        return Math.toIntExact(hidden);
    }

    /**
     * Runs both trainings and builds the comparison.
     *
     * @param model    {@code mlp} or {@code resnet}
     * @param size     the MLP's hidden width ({@link #mlpHidden}) or the ResNet's depth ({@link #RESNET_LAYERS})
     * @param steps    training steps of each run
     * @param work     the folder for result files, logs and the agent's files (created if missing)
     * @param dir      the offload directory (created if missing)
     * @param progress where the one-line progress of each stage goes
     * @param bar      the progress bar of each training run (drawn on a terminal only)
     */
    public static DemoComparison run(String model, int size, int steps, Path work, Path dir, PrintWriter progress,
                                     StepProgress bar) {
        WorkFolder.create(work);
        WorkFolder.create(dir);
        DjlTrainerProcess trainer = DjlTrainerProcess.ofCheckout();
        trainer.requireTrainer();
        trainer.requireAgent();
        progress.printf(Locale.ROOT, "teraio demo: DJL %s, AdamW, synthetic data (seed %d), PyTorch CPU on one thread,"
                + " %d steps, each run a JVM with %s and %s; work folder %s%n", model.equals("resnet")
                ? "resnet (ResNet-" + size + ", 64x64 images)" : model + " (12 hidden layers of " + size + ")", SEED, steps,
                String.join(" ", DjlTrainerProcess.HEAP_FLAGS), String.join(" ", DjlTrainerProcess.ENVIRONMENT
                        .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList()), work);
        // both children reset their peak resident bytes when the plan starts applying in the run with teraio
        DjlTrainerProcess.Job job = new DjlTrainerProcess.Job(model, 0, size, steps, SEED, WARMUP + PROFILED);

        long start = System.nanoTime();
        TrainerResult baseline;
        try (StepProgress.Task task = bar.startSteps("training without teraio", steps)) {
            baseline = trainer.train(job, null, work.resolve("baseline.json"), work.resolve("baseline.log"), task::set);
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
        // io.taskSize: the tensors stream through io.stagingBuffers buffers of this size (docs/agent.md).
        String agentArgs = String.join(",", "mode=auto", "dirs=" + dir, "deviceMemory=" + budget, "hostMemory=0",
                "io.taskSize=" + AGENT_TASK_SIZE, "warmup=" + WARMUP, "iterations=" + PROFILED, "stats=" + statsFile,
                "out=" + work.resolve("trace.json.gz"), "planOut=" + planFile);
        start = System.nanoTime();
        TrainerResult offload;
        try (StepProgress.Task task = bar.startSteps("training with teraio", steps)) {
            offload = trainer.train(job, agentArgs, work.resolve("auto.json"), work.resolve("auto.log"), task::set);
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
        progress.printf(Locale.ROOT, "      to see the profiled step and the plan over it: teraio report %s %s -o %s%n",
                work.resolve("trace.json.gz"), planFile, work.resolve("report.html"));
        Prediction predicted = Plan.read(planFile).predicted();
        if (predicted != null) {
            progress.printf(Locale.ROOT, "      the plan predicts a step of %s against %s without offloading (ratio %.2f),"
                            + " %s to the SSD and back per step%n", Units.formatNanos(predicted.iterationNs()),
                    Units.formatNanos(predicted.idealNs()), (double) predicted.iterationNs() / predicted.idealNs(),
                    Units.formatBytes(predicted.bytesToSsd()));
        }

        int firstTimed = WARMUP + PROFILED + 1;
        DemoRun without = new DemoRun("without teraio", baseline.losses(), baseline.medianStepNanos(firstTimed, steps),
                stats.unconstrainedPeakBytes(), 0, 0, 0, 0, 0, processPeak(baseline));
        DemoRun with = new DemoRun("with teraio (auto)", offload.losses(), offload.medianStepNanos(firstTimed, steps),
                stats.peakResidentBytes(), stats.bytesOffloaded(), stats.bytesPrefetched(), stats.stallNanos(),
                stats.misses(), stats.divergences(), processPeak(offload));
        return new DemoComparison("djl " + model, budget, without, with, stats.predictedPeakBytes(),
                stats.predictedUnconstrainedBytes());
    }

    private static ProcessPeak processPeak(TrainerResult r) {
        return new ProcessPeak(r.peakRssBytes(), WARMUP + PROFILED + 1, r.firstStepsPeakRssBytes(),
                r.heapCommittedBytes());
    }
}
