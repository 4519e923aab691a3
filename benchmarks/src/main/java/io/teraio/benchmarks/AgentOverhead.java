package io.teraio.benchmarks;

import io.teraio.core.trace.TraceReader;
import io.teraio.demo.DjlTrainerProcess;
import io.teraio.demo.DjlTrainerProcess.Job;
import io.teraio.demo.DjlTrainerProcess.TrainerResult;
import io.teraio.planner.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The teraio agent's overhead on a real DJL training step: the DJL trainer
 * ({@code examples/djl-trainer}) run in child JVMs without the agent, with the agent in
 * {@code profile} mode over every measured step, and with the agent in {@code offload} mode
 * applying an empty plan (hooks, op counting and checking, array tracking, nothing moved).
 *
 * <p>One round runs the three once each, in an order that rotates from round to round, and
 * gives paired ratios (profile over none, offload over none). The agent starts its work after
 * {@value #AGENT_WARMUP} steps; each run skips {@code --warmup} steps (the JIT compiles DJL,
 * the woven hooks and the agent in its steady state during them; the report's drift column
 * checks that the measured steps no longer get faster) and measures the steps after them up to
 * the last, which is left out (profile mode writes its trace there).
 * A run's step time is taken two ways, from the same steps: the median, and the 10th
 * percentile. On a shared virtual machine interference only ever adds time to a step, in
 * bursts that can cover much of a run; a low percentile estimates the step's own cost from the
 * steps that escaped it, where the median moves with how much of the run a burst covered. Both
 * are reported, for wall time and for the training thread's CPU time, as the median ratio over
 * the rounds with its smallest and largest; and the cost per op (the paired difference of the
 * 10th percentiles divided by the ops per step, from the profile), median over the rounds.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.teraio.benchmarks.AgentOverhead [--model resnet] [--batch 0] \
 *      [--steps 400] [--warmup 200] [--rounds 15] [--out target/agent-overhead] [--dir DIR]
 * </pre>
 *
 * {@code --batch 0} is the trainer's default for the model (MLP 32, ResNet 1). Prints a Markdown
 * report and writes every run's step times to {@code OUT/runs.tsv}. Needs the built trainer and
 * agent ({@link DjlTrainerProcess#BUILD_COMMAND}, with benchmarks).
 */
public final class AgentOverhead {
    /** The low percentile of a run's steps, the estimator that interference (which only adds time) disturbs least. */
    static final double LOW = 0.10;
    /**
     * The agent's own warm-up: it starts profiling (or watching, then applying the plan) after
     * this many steps, long before the measured ones, so that the JIT has compiled the code of
     * the agent's steady state (not only of its warm-up) by the time they begin.
     */
    static final int AGENT_WARMUP = 3;

    /** How the trainer runs. */
    enum Variant {
        NONE("no agent"), PROFILE("agent, profile mode"), OFFLOAD_EMPTY("agent, offload mode, empty plan");

        final String label;

        Variant(String label) {
            this.label = label;
        }
    }

    /** One run's measured steps, wall and CPU nanoseconds. */
    record Run(long[] wall, long[] cpu) {
        static Run of(TrainerResult r, int first, int last) {
            return new Run(r.stepNanos().subList(first, last).stream().mapToLong(Long::longValue).toArray(),
                    r.stepCpuNanos().subList(first, last).stream().mapToLong(Long::longValue).toArray());
        }
    }

    private AgentOverhead() {
    }

    public static void main(String[] args) throws IOException {
        String model = "resnet";
        int batch = 0;
        int steps = 400;
        int rounds = 15;
        int warmup = 200;
        Path out = Path.of("target/agent-overhead");
        Path dir = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--dir" -> dir = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --model --batch --steps --warmup --rounds --out --dir");
            }
        }
        if (args.length % 2 != 0 || warmup < AGENT_WARMUP + 2 || steps < warmup + 11 || rounds < 1) {
            throw new IllegalArgumentException("options come in pairs; --warmup must be at least " + (AGENT_WARMUP + 2)
                    + " (the agent starts after " + AGENT_WARMUP + " steps and watches one), --steps must exceed it"
                    + " by 11 or more (10 measured steps) and --rounds must be at least 1");
        }
        out = out.toAbsolutePath();
        dir = (dir == null ? out.resolve("offload") : dir).toAbsolutePath();
        Files.createDirectories(out);
        Files.createDirectories(dir);
        new AgentOverhead().run(model, batch, steps, rounds, warmup, out, dir);
    }

    private void run(String model, int batch, int steps, int rounds, int warmup, Path out, Path dir)
            throws IOException {
        DjlTrainerProcess trainer = DjlTrainerProcess.ofCheckout();
        trainer.requireTrainer();
        trainer.requireAgent();
        String loadAtStart = loadAverage();

        // The trace the empty plan is made for: a profile of the same program.
        Path trace = out.resolve("trace.json.gz");
        trainer.train(new Job(model, batch, AGENT_WARMUP + 3, 42), agentArgs("mode=profile", "warmup=" + AGENT_WARMUP,
                "iterations=2", "out=" + trace, "stats=" + out.resolve("trace-stats.json"), "dirs=" + dir),
                out.resolve("trace.out.json"), out.resolve("trace.log"), done -> { });
        int opsPerStep = Workload.of(TraceReader.read(trace)).opCount();
        Path emptyPlan = out.resolve("empty-plan.json");
        EmptyPlan.write(trace, emptyPlan);

        // Measured steps: after the warm-up, and before the last (the profile ends and is written there).
        int first = warmup;
        int last = steps - 1;
        Map<Variant, String> agent = new EnumMap<>(Variant.class);
        agent.put(Variant.NONE, null);
        agent.put(Variant.PROFILE, agentArgs("mode=profile", "warmup=" + AGENT_WARMUP,
                "iterations=" + (steps - AGENT_WARMUP),
                "out=" + out.resolve("profile.json.gz"), "stats=" + out.resolve("profile-stats.json"), "dirs=" + dir));
        agent.put(Variant.OFFLOAD_EMPTY, agentArgs("mode=offload", "warmup=" + AGENT_WARMUP, "plan=" + emptyPlan,
                "out=" + trace, "stats=" + out.resolve("offload-stats.json"), "dirs=" + dir));

        Variant[] variants = Variant.values();
        Map<Variant, List<Run>> runs = new EnumMap<>(Variant.class);
        StringBuilder tsv = new StringBuilder("round\tvariant\tstep\tnanos\tcpuNanos\tload\n");
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < variants.length; k++) {
                Variant v = variants[(round + k) % variants.length];
                TrainerResult r = trainer.train(new Job(model, batch, steps, 42), agent.get(v), out.resolve(v + ".json"),
                        out.resolve(v + ".log"), done -> { });
                String load = loadAverage();
                for (int s = 0; s < steps; s++) {
                    tsv.append(round).append('\t').append(v).append('\t').append(s).append('\t')
                            .append(r.stepNanos().get(s)).append('\t').append(r.stepCpuNanos().get(s)).append('\t')
                            .append(load).append('\n');
                }
                Run run = Run.of(r, first, last);
                runs.computeIfAbsent(v, x -> new ArrayList<>()).add(run);
                System.err.printf(Locale.ROOT, "round %d/%d %-32s step p10 %.2f ms, median %.2f ms (load %s)%n",
                        round + 1, rounds, v.label, percentile(run.wall(), LOW) / 1e6, percentile(run.wall(), 0.5) / 1e6,
                        load);
            }
        }
        Files.writeString(out.resolve("runs.tsv"), tsv, StandardCharsets.UTF_8);

        System.out.printf(Locale.ROOT, "DJL %s, %d ops per step; %d rounds of 3 runs of %d steps, steps %d to %d"
                + " measured (%d); load average %s at the start, %s at the end%n%n",
                new Job(model, batch, steps, 42).describe(), opsPerStep, rounds, steps, first + 1, last, last - first,
                loadAtStart, loadAverage());
        System.out.println("| variant | estimator | wall: step (median of runs) | wall: ratio to no agent, median of"
                + " rounds [min, max] | CPU: step | CPU: ratio [min, max] | cost per op (wall) | drift |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Variant v : variants) {
            for (double q : new double[] {LOW, 0.5}) {
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", v.label,
                        q == 0.5 ? "median" : "p" + Math.round(q * 100), ms(median(runs.get(v), r -> percentile(r.wall(),
                                q))), ratios(runs, v, Run::wall, q), ms(median(runs.get(v), r -> percentile(r.cpu(), q))),
                        ratios(runs, v, Run::cpu, q), v == Variant.NONE ? "" : perOp(runs, v, q, opsPerStep),
                        drift(runs.get(v)));
            }
        }
        System.out.println();
        System.out.println("Cost per op: the paired difference of the steps divided by the ops per step, median of"
                + " rounds. Drift: the median step of the second half of the measured steps over the first half's,"
                + " median of runs (below 1: still warming up).");
    }

    /** The {@code q} quantile of {@code values} (nearest rank: the smallest value with at least {@code q} of them at or below it). */
    static long percentile(long[] values, double q) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double median(List<Run> runs, java.util.function.ToLongFunction<Run> f) {
        return median(runs.stream().mapToDouble(f::applyAsLong).toArray());
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** {@code median [min, max]} of the round-by-round ratios of {@code v}'s step to the run without the agent. */
    private static String ratios(Map<Variant, List<Run>> runs, Variant v, Function<Run, long[]> steps, double q) {
        double[] ratios = paired(runs, v, r -> percentile(steps.apply(r), q), (a, none) -> a / none);
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", median(ratios), sorted[0], sorted[sorted.length - 1]);
    }

    /** The cost per op in microseconds: the paired step difference over the ops per step, median of rounds. */
    private static String perOp(Map<Variant, List<Run>> runs, Variant v, double q, int opsPerStep) {
        double[] costs = paired(runs, v, r -> percentile(r.wall(), q), (a, none) -> (a - none) / opsPerStep / 1e3);
        return String.format(Locale.ROOT, "%.2f µs", median(costs));
    }

    private static double[] paired(Map<Variant, List<Run>> runs, Variant v, java.util.function.ToLongFunction<Run> step,
                                   java.util.function.DoubleBinaryOperator combine) {
        List<Run> with = runs.get(v);
        List<Run> none = runs.get(Variant.NONE);
        double[] out = new double[with.size()];
        for (int round = 0; round < out.length; round++) {
            out[round] = combine.applyAsDouble(step.applyAsLong(with.get(round)), step.applyAsLong(none.get(round)));
        }
        return out;
    }

    /** The median over runs of (median of the second half of the measured steps) / (median of the first half). */
    private static String drift(List<Run> runs) {
        double[] drift = runs.stream().mapToDouble(r -> {
            int half = r.wall().length / 2;
            return (double) percentile(Arrays.copyOfRange(r.wall(), half, r.wall().length), 0.5)
                    / percentile(Arrays.copyOfRange(r.wall(), 0, half), 0.5);
        }).toArray();
        return String.format(Locale.ROOT, "%.3f", median(drift));
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    private static String agentArgs(String... pairs) {
        return String.join(",", pairs);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
