package io.teraio.cli.demo;

import io.teraio.cli.Main;
import io.teraio.cli.Progress;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.demo.CustomDemo;
import io.teraio.demo.DemoComparison;
import io.teraio.demo.DjlDemo;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code teraio demo}: the main job. A real training program runs twice, once without
 * offloading and once with teraio under a device memory budget that only offloading can
 * meet; the two are compared step by step ({@link DemoComparison}). Exit code 1 when the
 * losses differ or the budget is exceeded. The workloads, driven by {@code teraio-demo-driver}:
 * {@code djl} ({@link DjlDemo}, the default) and {@code custom} ({@link CustomDemo}).
 */
@Command(name = "demo",
        description = {"Train a model twice, without teraio and with it under a memory budget only offloading",
                "can meet, and compare: per-step losses (bitwise), peak resident bytes against the budget, bytes",
                "moved, step times, and the memory saved against the plan's prediction.",
                "Exit code 1 when the losses differ or the budget is exceeded."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "djl",
            description = {"djl (default): a DJL program (examples/djl-trainer) under the teraio agent;",
                    "custom: the embedding API's example trainer (examples/custom-trainer), in this process."})
    String workload;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "mlp",
            description = "djl: mlp or resnet (default: ${DEFAULT-VALUE}); custom: mlp.")
    String model;

    @Option(names = {"--steps", "--iterations"}, paramLabel = "N",
            description = "Training steps of each run (default: djl 16, custom 8).")
    Integer steps;

    @Option(names = "--layers", paramLabel = "N", description = "custom: the MLP's layers (default 8).")
    Integer layers;

    @Option(names = "--size", paramLabel = "SIZE",
            description = {"djl mlp: the MLP's training state (parameters, gradients, AdamW state), at most, such as",
                    "768m (the default: 12 hidden layers of 2048, 737 MiB); its hidden width is the widest multiple",
                    "of 64 that fits. The ResNet is ResNet-50."})
    String size;

    @Option(names = "--compute", paramLabel = "BACKEND",
            description = {"custom: where the MLP computes: cpu, cuda (our own CUDA kernels on CUDA device memory;",
                    "fails without a GPU) or auto (cuda when a GPU is usable, else cpu; the default)."})
    String compute;

    @Option(names = "--devices", paramLabel = "N",
            description = {"custom: train data-parallel on N emulated devices (default 1): a shard of the batch, a",
                    "session, a budget and an offload directory per device; both runs on N devices, on the CPU."})
    Integer devices;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "teraio-demo",
            description = "Work folder: results, logs, the trace, the plan, the agent's stats (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Offload directory, on the SSD to use (default: djl DIR/offload under --out, custom --out).")
    Path offloadDir;

    @Option(names = "--json", description = "Print the comparison as one JSON object (progress goes to stderr).")
    boolean json;

    /** Steps of each run of the DJL workload when --steps is not given. */
    static final int DJL_STEPS = 16;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // one line per stage (to stderr with --json, nowhere with --quiet), and a bar per run on a terminal
        PrintWriter progress = Progress.quiet(spec) ? new PrintWriter(Writer.nullWriter())
                : json ? spec.commandLine().getErr() : out;
        Progress bar = Progress.of(spec);
        Path work = outDir.toAbsolutePath().normalize();
        Path dir = offloadDir == null ? null : offloadDir.toAbsolutePath().normalize();
        DemoComparison comparison;
        Path file;
        switch (workload) {
            case "djl" -> {
                if (!model.equals("mlp") && !model.equals("resnet")) {
                    throw new TeraioException("demo: --model must be mlp or resnet, got '" + model + "'");
                }
                if (layers != null) {
                    throw new TeraioException("demo: --layers is for --workload custom; --workload djl has --model");
                }
                if (size != null && !model.equals("mlp")) {
                    throw new TeraioException("demo: --size is for --model mlp; the ResNet is ResNet-"
                            + DjlDemo.RESNET_LAYERS);
                }
                int modelSize = model.equals("mlp")
                        ? DjlDemo.mlpHidden(Units.parseBytes("--size", size == null ? DjlDemo.DEFAULT_SIZE : size))
                        : DjlDemo.RESNET_LAYERS;
                if (devices != null) {
                    throw new TeraioException("demo: --devices is for --workload custom; --workload djl trains on one");
                }
                if (compute != null) {
                    throw new TeraioException("demo: --compute is for --workload custom; --workload djl computes"
                            + " where PyTorch does (the CPU)");
                }
                int n = steps == null ? DJL_STEPS : steps;
                if (n < DjlDemo.minimumSteps()) {
                    throw new TeraioException("demo: --steps must be at least " + DjlDemo.minimumSteps()
                            + " (warm-up, profiling, the first plan, then steps to time), got " + n);
                }
                dir = dir == null ? work.resolve("offload") : dir;
                comparison = DjlDemo.run(model, modelSize, n, work, dir, progress, bar);
                file = work.resolve("demo.json");
            }
            case "custom" -> {
                if (!model.equals("mlp")) {
                    throw new TeraioException("demo: --workload custom trains an mlp, got --model '" + model + "'");
                }
                if (size != null) {
                    throw new TeraioException("demo: --size is for --workload djl; --workload custom has --layers");
                }
                comparison = CustomDemo.run(progress, bar, layers, steps, compute, devices, dir, work);
                file = work.resolve("custom-demo.json");
            }
            default -> throw new TeraioException("demo: --workload must be djl or custom, got '" + workload + "'");
        }
        JsonFiles.write(comparison.toJson(), file);
        if (json) {
            out.println(comparison.toJson().toPrettyString());
        } else {
            out.println();
            comparison.printTable(out);
            out.printf(Locale.ROOT, "%nThe same as JSON: %s (or --json)%n", file);
        }
        boolean passed = comparison.lossesIdentical() && comparison.withinBudget();
        if (!passed) {
            spec.commandLine().getErr().printf(Locale.ROOT, "teraio demo: FAILED: %s%n",
                    !comparison.lossesIdentical() ? "the losses with teraio differ from those without it"
                            : "the run with teraio exceeded its memory budget");
        }
        return passed ? 0 : Main.EXIT_INTERNAL;
    }
}
