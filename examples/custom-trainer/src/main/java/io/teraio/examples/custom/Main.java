package io.teraio.examples.custom;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the example MLP from the command line:
 * {@code java -cp ... io.teraio.examples.custom.Main [model=demo|small] [steps=N] [mode=off|auto]
 * [warmup=N] [profile=N] [compute=cpu|cuda|auto] [KEY=VALUE of the configuration, e.g. deviceMemory=16m
 * dirs=/nvme0]}. Prints the compute backend and why, each step's loss and time, then the
 * session's stats. With compute cuda (asked for, or auto on a GPU) the session's {@code memory}
 * is {@code cuda} unless set. {@code teraio demo --workload
 * custom} is the fuller comparison.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (TeraioException | IllegalArgumentException e) {
            System.err.println("custom-trainer: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void run(String[] args) {
        Map<String, String> config = new LinkedHashMap<>();
        MlpSpec spec = MlpSpec.demo();
        int steps = 8;
        String mode = "auto";
        int warmup = 1;
        int profiled = 2;
        String compute = "auto";
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("'" + arg + "' is not KEY=VALUE");
            }
            String key = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            switch (key) {
                case "model" -> spec = switch (value) {
                    case "demo" -> MlpSpec.demo();
                    case "small" -> MlpSpec.small();
                    default -> throw new IllegalArgumentException("model '" + value + "': use demo or small");
                };
                case "steps" -> steps = Integer.parseInt(value);
                case "mode" -> mode = value;
                case "warmup" -> warmup = Integer.parseInt(value);
                case "profile" -> profiled = Integer.parseInt(value);
                case "compute" -> compute = value;
                default -> config.put(key, value);
            }
        }
        SessionOptions options = switch (mode) {
            case "off" -> SessionOptions.off();
            case "auto" -> SessionOptions.auto(warmup, profiled);
            default -> throw new IllegalArgumentException("mode '" + mode + "': use off or auto");
        };
        ComputeBackend.Selection selection = ComputeBackend.select(compute, TeraioConfig.resolve(config).device());
        System.out.println(selection.reason());
        try (MlpTrainer trainer = MlpTrainer.open(spec, selection.config(config), options, selection.backend())) {
            for (int i = 0; i < steps; i++) {
                float loss = trainer.step();
                System.out.printf(Locale.ROOT, "step %d: loss %s, %s%n", i + 1, loss,
                        Units.formatNanos(trainer.stepNanos().get(i)));
            }
            SessionStats s = trainer.stats();
            System.out.printf(Locale.ROOT, "peak resident %s of %s; offloaded %s, prefetched %s; stalls %s; %d misses,"
                            + " %d evictions, %d divergences%n", Units.formatBytes(s.peakResidentBytes()),
                    Units.formatBytes(s.budgetBytes()), Units.formatBytes(s.bytesOffloaded()),
                    Units.formatBytes(s.bytesPrefetched()), Units.formatNanos(s.stallNs()), s.misses(), s.evictions(),
                    s.divergences());
        }
    }
}
