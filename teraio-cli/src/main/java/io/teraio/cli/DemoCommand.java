package io.teraio.cli;

import io.teraio.core.TeraioException;
import io.teraio.core.json.JsonFiles;
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
 * {@code teraio demo}: the main job. A real training program runs twice, once without
 * offloading and once with teraio under a device memory budget that only offloading can
 * meet; the two are compared step by step ({@link DemoComparison}). Exit code 1 when the
 * losses differ or the budget is exceeded.
 */
@Command(name = "demo",
        description = {"Train a model twice, without teraio and with it under a memory budget only offloading",
                "can meet, and compare: per-step losses (bitwise), peak resident bytes against the budget, bytes",
                "moved, step times, and the memory saved against the plan's prediction.",
                "Exit code 1 when the losses differ or the budget is exceeded."})
final class DemoCommand implements Callable<Integer> {
    /** What is trained. */
    enum Workload {
        /** examples/djl-trainer under the teraio agent. */
        djl,
        /** examples/custom-trainer through the embedding API. */
        custom
    }

    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "djl",
            description = "djl (a DJL program under the agent) or custom (the embedding API's example trainer);"
                    + " default: ${DEFAULT-VALUE}.")
    Workload workload;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "mlp",
            description = "mlp or resnet (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "16",
            description = "Training steps of each run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "teraio-demo",
            description = "Work folder: results, logs, the trace, the plan, the agent's stats (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Offload directory, on the SSD to use (default: DIR/offload under --out).")
    Path offloadDir;

    @Option(names = "--json", description = "Print the comparison as one JSON object (progress goes to stderr).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = json ? spec.commandLine().getErr() : out;
        if (!model.equals("mlp") && !model.equals("resnet")) {
            throw new TeraioException("demo: --model must be mlp or resnet, got '" + model + "'");
        }
        if (steps < DjlDemo.minimumSteps()) {
            throw new TeraioException("demo: --steps must be at least " + DjlDemo.minimumSteps()
                    + " (warm-up, profiling, the first plan, then steps to time), got " + steps);
        }
        Path work = outDir.toAbsolutePath().normalize();
        Path dir = (offloadDir == null ? work.resolve("offload") : offloadDir).toAbsolutePath().normalize();
        createDirectory(work);
        createDirectory(dir);

        DemoComparison comparison = switch (workload) {
            case djl -> DjlDemo.run(model, steps, work, dir, progress);
            // The embedding API's example trainer (examples/custom-trainer) plugs in here.
            case custom -> throw new TeraioException("demo: --workload custom needs examples/custom-trainer,"
                    + " which this build does not have yet; use --workload djl");
        };
        Path file = work.resolve("demo.json");
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

    private static void createDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TeraioException(dir + ": cannot create the directory: " + e.getMessage(), e);
        }
    }
}
