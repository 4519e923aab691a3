package io.teraio.benchmarks;

import io.teraio.cli.DjlTrainerProcess;
import io.teraio.cli.DjlTrainerProcess.TrainerResult;
import io.teraio.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The teraio agent's overhead on a real DJL training step: the DJL trainer
 * ({@code examples/djl-trainer}) run in child JVMs without the agent, with the agent in
 * {@code profile} mode over every measured step, and with the agent in {@code offload} mode
 * applying an empty plan (hooks, op counting and plan lookups, nothing moved). One round
 * runs the three once each, in an order that rotates from round to round; each run's step
 * time is the median of its measured steps, as wall time and as the training thread's CPU
 * time (the agent's hooks run on that thread; CPU time is far less disturbed than wall time
 * when other work shares the machine); each round gives two paired ratios (profile over
 * none, offload over none), and the result is the median ratio over the rounds (the upper
 * median for an even count) with its smallest and largest.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.teraio.benchmarks.AgentOverhead \
 *      [--model mlp] [--steps 30] [--rounds 7] [--warmup 3] [--out target/agent-overhead] [--dir DIR]
 * </pre>
 *
 * Prints a Markdown table and writes every run's step times to {@code OUT/runs.tsv}. Needs
 * the built trainer and agent ({@link DjlTrainerProcess#BUILD_COMMAND}, with benchmarks).
 */
public final class AgentOverhead {
    /** How the trainer runs. */
    enum Variant {
        NONE("no agent"), PROFILE("agent, profile mode"), OFFLOAD_EMPTY("agent, offload mode, empty plan");

        final String label;

        Variant(String label) {
            this.label = label;
        }
    }

    private AgentOverhead() {
    }

    public static void main(String[] args) throws IOException {
        String model = "mlp";
        int steps = 30;
        int rounds = 7;
        int warmup = 3;
        Path out = Path.of("target/agent-overhead");
        Path dir = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--dir" -> dir = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --model --steps --rounds --warmup --out --dir");
            }
        }
        if (args.length % 2 != 0 || steps < warmup + 3 || rounds < 1) {
            throw new IllegalArgumentException("options come in pairs; --steps must exceed --warmup by 3 or more"
                    + " and --rounds must be at least 1");
        }
        out = out.toAbsolutePath();
        dir = (dir == null ? out.resolve("offload") : dir).toAbsolutePath();
        Files.createDirectories(out);
        Files.createDirectories(dir);
        new AgentOverhead().run(model, steps, rounds, warmup, out, dir);
    }

    private void run(String model, int steps, int rounds, int warmup, Path out, Path dir) throws IOException {
        DjlTrainerProcess trainer = DjlTrainerProcess.ofCheckout();
        trainer.requireTrainer();
        trainer.requireAgent();

        // The trace the empty plan is made for: a profile of the same program.
        Path trace = out.resolve("trace.json.gz");
        trainer.train(model, warmup + 3, 42, agentArgs("mode=profile", "warmup=" + warmup, "iterations=2",
                "out=" + trace, "stats=" + out.resolve("trace-stats.json"), "dirs=" + dir), out.resolve("trace.out.json"),
                out.resolve("trace.log"));
        Path emptyPlan = out.resolve("empty-plan.json");
        plan(trace, emptyPlan);

        // Measured steps: after the warm-up, and before the last (the profile ends and is written there).
        int first = warmup;
        int last = steps - 1;
        Map<Variant, String> agent = new EnumMap<>(Variant.class);
        agent.put(Variant.NONE, null);
        agent.put(Variant.PROFILE, agentArgs("mode=profile", "warmup=" + warmup, "iterations=" + (steps - warmup),
                "out=" + out.resolve("profile.json.gz"), "stats=" + out.resolve("profile-stats.json"), "dirs=" + dir));
        agent.put(Variant.OFFLOAD_EMPTY, agentArgs("mode=offload", "warmup=" + warmup, "plan=" + emptyPlan,
                "out=" + trace, "stats=" + out.resolve("offload-stats.json"), "dirs=" + dir));

        Variant[] variants = Variant.values();
        Map<Variant, List<Long>> wall = new EnumMap<>(Variant.class);
        Map<Variant, List<Long>> cpu = new EnumMap<>(Variant.class);
        StringBuilder tsv = new StringBuilder("round\tvariant\tstep\tnanos\tcpuNanos\n");
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < variants.length; k++) {
                Variant v = variants[(round + k) % variants.length];
                TrainerResult r = trainer.train(model, steps, 42, agent.get(v), out.resolve(v + ".json"),
                        out.resolve(v + ".log"));
                for (int s = first; s < last; s++) {
                    tsv.append(round).append('\t').append(v).append('\t').append(s).append('\t')
                            .append(r.stepNanos().get(s)).append('\t').append(r.stepCpuNanos().get(s)).append('\n');
                }
                wall.computeIfAbsent(v, x -> new ArrayList<>()).add(r.medianStepNanos(first, last));
                cpu.computeIfAbsent(v, x -> new ArrayList<>()).add(r.medianStepCpuNanos(first, last));
                System.err.printf(Locale.ROOT, "round %d/%d %-32s median step %.2f ms, CPU %.2f ms%n", round + 1, rounds,
                        v.label, r.medianStepNanos(first, last) / 1e6, r.medianStepCpuNanos(first, last) / 1e6);
            }
        }
        Files.writeString(out.resolve("runs.tsv"), tsv, StandardCharsets.UTF_8);

        System.out.printf(Locale.ROOT, "DJL %s, %d steps per run (steps %d to %d measured), %d rounds, load average"
                + " at the end %s%n%n", model, steps, first + 1, last, rounds, loadAverage());
        System.out.println("| variant | wall: median step | wall: ratio to no agent (median of rounds) | min | max"
                + " | CPU: median step | CPU: ratio to no agent (median of rounds) | min | max |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Variant v : variants) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", v.label, column(wall, v, rounds),
                    column(cpu, v, rounds));
        }
    }

    /** {@code median step | median ratio | min ratio | max ratio} of one variant, paired round by round. */
    private static String column(Map<Variant, List<Long>> medians, Variant v, int rounds) {
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            ratios.add((double) medians.get(v).get(round) / medians.get(Variant.NONE).get(round));
        }
        Collections.sort(ratios);
        List<Long> steps = new ArrayList<>(medians.get(v));
        Collections.sort(steps);
        return String.format(Locale.ROOT, "%.2f ms | %.3f | %.3f | %.3f", steps.get(rounds / 2) / 1e6,
                ratios.get(rounds / 2), ratios.get(0), ratios.get(rounds - 1));
    }

    private static String agentArgs(String... pairs) {
        return String.join(",", pairs);
    }

    /** An empty plan for the trace: the planner's {@code none} policy, which moves nothing. */
    private static void plan(Path trace, Path plan) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "plan", trace.toString(),
                "--policy", "none", "--gpu-mem", "64g", "--ssd", "1x2g", "-o", plan.toString());
        if (code != 0) {
            throw new IllegalStateException("teraio plan --policy none " + trace + " failed (" + code + "): " + err);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
