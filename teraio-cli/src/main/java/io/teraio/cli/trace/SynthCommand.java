package io.teraio.cli.trace;

import io.teraio.cli.FileNames;
import io.teraio.cli.SummaryRows;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceValidator;
import io.teraio.core.trace.TraceWriter;
import io.teraio.profiler.LifetimeAnalyzer;
import io.teraio.profiler.LifetimeSummary;
import io.teraio.profiler.synth.TransformerSpec;
import io.teraio.profiler.synth.TransformerTrace;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code teraio synth --preset NAME -o TRACE}: the trace of a transformer's training step, generated. */
@Command(name = "synth",
        description = {"Generate the trace of training a decoder-only transformer (Llama-style) for one",
                "step or more: forward, backward and AdamW, with realistic sizes and durations (docs/synth.md)."})
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--preset", required = true, paramLabel = "NAME",
            description = {"The model: gpt2-large, llama3-8b, llama3-70b or granite-8b (batch 1, seq as published,"
                    + " bf16, one stage), or TERAIO's setups teraio-llama3-8b, teraio-granite-8b, teraio-llama3-70b"
                    + " (the last of 2 pipeline stages, fp32, micro-batches of 8 x 2048, 16 x 4096, 8 x 2048"
                    + " tokens; docs/synth.md)."})
    String preset;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "TRACE",
            description = "The trace to write (.json or .json.gz).")
    Path output;

    @Option(names = "--layers", paramLabel = "N", description = "Transformer layers (default: the preset's).")
    Integer layers;

    @Option(names = "--hidden", paramLabel = "N", description = "Model width (default: the preset's).")
    Integer hidden;

    @Option(names = "--heads", paramLabel = "N", description = "Attention heads, a divisor of the width (default: the preset's).")
    Integer heads;

    @Option(names = "--kv-heads", paramLabel = "N", description = "Key/value heads, a divisor of the heads (default: the preset's).")
    Integer kvHeads;

    @Option(names = "--ffn", paramLabel = "N", description = "MLP inner width (default: the preset's).")
    Integer ffn;

    @Option(names = "--vocab", paramLabel = "N", description = "Vocabulary size (default: the preset's).")
    Integer vocab;

    @Option(names = "--seq", paramLabel = "N", description = "Tokens per sequence (default: the preset's).")
    Integer seq;

    @Option(names = "--batch", paramLabel = "N",
            description = "Sequences per micro-batch (default: the preset's, 1 but for the teraio-* setups).")
    Integer batch;

    @Option(names = "--micro-batches", paramLabel = "N",
            description = "Micro-batches per step, their weight gradients accumulated (default: 1); the"
                    + " teraio-* setups' batch of B sequences is B / --batch of them.")
    Integer microBatches;

    @Option(names = "--stages", paramLabel = "N",
            description = "Pipeline stages the layers are split into (default: the preset's, 1 or 2).")
    Integer stages;

    @Option(names = "--stage", paramLabel = "I",
            description = "The stage to trace, 0 (with the embedding) to stages - 1 (with the LM head; default:"
                    + " the preset's, or the last of --stages).")
    Integer stage;

    @Option(names = "--all-stages",
            description = "Write every stage of --stages (or the preset's), one trace each: the ranks of a"
                    + " pipeline-parallel job, for teraio plan with one trace per device. TRACE names them:"
                    + " job.json.gz gives job-stage0.json.gz, job-stage1.json.gz, ...")
    boolean allStages;

    @Option(names = "--bytes-per-param", paramLabel = "N",
            description = "Bytes of a weight, gradient or activation element: 2 (bf16) or 4 (fp32; default:"
                    + " the preset's). Adam's moments are fp32 either way.")
    Integer bytesPerParam;

    @Option(names = "--kernels", paramLabel = "N",
            description = "Ops per iteration: 0 for one per step of the model, or more to split them into"
                    + " (about 50000 for llama3-8b, 250000 for llama3-70b; default: 0).")
    Integer kernels;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "1",
            description = "Training steps to generate, one iteration each (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--tflops", paramLabel = "X",
            description = "Compute rate for op durations, in TFLOP/s (default: an H100's, 989 dense BF16).")
    Double tflops;

    @Option(names = "--mem-bw", paramLabel = "SIZE",
            description = "Memory bandwidth for op durations, bytes per second such as 3000g"
                    + " (default: an H100's, 3.35 TB/s).")
    String memoryBandwidth;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (allStages) {
            return writeAllStages();
        }
        TransformerSpec model = model();
        checkTotals(model);
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        Trace trace = generate(model);
        long generatedNs = System.nanoTime() - start;
        LifetimeSummary summary = LifetimeAnalyzer.analyze(trace).summary();
        start = System.nanoTime();
        TraceWriter.write(trace, output);
        long writtenNs = System.nanoTime() - start;

        out.printf(Locale.ROOT, "synth %s -> %s in %s (generated in %s)%n", model.name(), output,
                Units.formatNanos(generatedNs + writtenNs), Units.formatNanos(generatedNs));
        SummaryRows.print(out, "model", String.format(Locale.ROOT,
                "%d layers, hidden %d, %d heads (%d KV), ffn %d, vocab %d; %s parameters", model.layers(),
                model.hidden(), model.heads(), model.kvHeads(), model.ffn(), model.vocab(),
                billions(model.parameterCount())));
        if (model.stages() > 1) {
            SummaryRows.print(out, "stage", String.format(Locale.ROOT, "%d of %d: layers %d to %d%s%s; %s parameters",
                    model.stage(), model.stages(), model.firstLayer(), model.firstLayer() + model.stageLayers() - 1,
                    model.firstStage() ? ", the embedding" : "", model.lastStage() ? ", the LM head" : "",
                    billions(model.stageParameterCount())));
        }
        SummaryRows.print(out, "batch", String.format(Locale.ROOT,
                "%d x %d tokens, %d micro-batch%s a step (%d sequence%s), %d bytes a weight or activation",
                model.batch(), model.seq(), model.microBatches(), model.microBatches() == 1 ? "" : "es",
                (long) model.batch() * model.microBatches(), model.batch() * model.microBatches() == 1 ? "" : "s",
                model.bytesPerParam()));
        SummaryRows.print(out, "ops", String.format(Locale.ROOT, "%,d in %,d iteration%s (%,d a step unsplit)",
                trace.ops().size(), iterations, iterations == 1 ? "" : "s",
                TransformerTrace.naturalOpsPerIteration(model)));
        long persistentCount = trace.tensors().stream().filter(Tensor::persistent).count();
        SummaryRows.print(out, "tensors", String.format(Locale.ROOT, "%,d: %,d persistent, %,d transient",
                trace.tensors().size(), persistentCount, trace.tensors().size() - persistentCount));
        for (TensorKind kind : TensorKind.values()) {
            String bytes = bytesOf(trace, kind);
            if (!bytes.isEmpty()) {
                SummaryRows.print(out, "  " + kind.jsonName(), bytes);
            }
        }
        SummaryRows.print(out, "peak live bytes", String.format(Locale.ROOT, "%s at op %,d (%s)",
                Units.formatBytes(summary.peakLiveBytes()), summary.peakLiveOp(),
                trace.ops().get(summary.peakLiveOp()).name()));
        SummaryRows.print(out, "compute", String.format(Locale.ROOT, "%s a step at %.0f TFLOP/s and %.2f TB/s",
                Units.formatNanos(summary.totalDurationNs() / iterations), model.flopsPerSecond() / 1e12,
                model.memoryBytesPerSecond() / 1e12));
        out.printf(Locale.ROOT, "Next: scripts/teraio analyze %s%n", output);
        out.flush();
        return 0;
    }

    /** {@code --all-stages}: each stage to its own file, one line each, then how to plan them as a job. */
    private Integer writeAllStages() {
        if (stage != null) {
            throw new TeraioException("--all-stages: writes every stage; give --stages N without --stage");
        }
        TransformerSpec first = model();
        checkTotals(first);
        int count = first.stages();
        if (count < 2) {
            throw new TeraioException("--all-stages: the model has one stage; give --stages N (2 or more)");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<String> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            stage = i;
            TransformerSpec model = model();
            Path file = FileNames.withSuffix(output, "-stage" + i);
            long start = System.nanoTime();
            Trace trace = generate(model);
            TraceWriter.write(trace, file);
            out.printf(Locale.ROOT, "synth %s -> %s in %s: layers %d to %d%s%s, %,d ops, peak live %s%n", model.name(),
                    file, Units.formatNanos(System.nanoTime() - start), model.firstLayer(),
                    model.firstLayer() + model.stageLayers() - 1, model.firstStage() ? ", the embedding" : "",
                    model.lastStage() ? ", the LM head" : "", trace.ops().size(),
                    Units.formatBytes(LifetimeAnalyzer.analyze(trace).summary().peakLiveBytes()));
            out.flush();
            files.add(file.toString());
        }
        stage = null;
        out.printf(Locale.ROOT, "Next: scripts/teraio plan %s --devices %d -o plan.json%n", String.join(" ", files),
                count);
        out.flush();
        return 0;
    }

    /** The model's trace, or a one-line error (a bad size, or too many ops for the heap). */
    private Trace generate(TransformerSpec model) {
        try {
            return TransformerTrace.generate(model, iterations);
        } catch (IllegalArgumentException e) {
            throw new TeraioException("synth: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            long ops = TransformerTrace.totalOps(model, iterations);
            throw new TeraioException(String.format(Locale.ROOT, "synth: %,d ops do not fit in this JVM's %s of heap;"
                    + " use a smaller --kernels or --iterations, or a larger heap (TERAIO_JAVA_OPTS=-Xmx8g)",
                    ops, Units.formatBytes(Runtime.getRuntime().maxMemory())), e);
        }
    }

    /** The preset with the options given; each bad value is an error naming its option. */
    private TransformerSpec model() {
        TransformerSpec base;
        try {
            base = TransformerSpec.preset(preset);
        } catch (IllegalArgumentException e) {
            throw new TeraioException("--preset: " + e.getMessage(), e);
        }
        int l = atLeast("--layers", layers, 1, base.layers());
        int h = atLeast("--hidden", hidden, 1, base.hidden());
        int nh = atLeast("--heads", heads, 1, base.heads());
        int kv = atLeast("--kv-heads", kvHeads, 1, base.kvHeads());
        int f = atLeast("--ffn", ffn, 1, base.ffn());
        int v = atLeast("--vocab", vocab, 1, base.vocab());
        int s = atLeast("--seq", seq, 1, base.seq());
        int b = atLeast("--batch", batch, 1, base.batch());
        int m = atLeast("--micro-batches", microBatches, 1, base.microBatches());
        int st = atLeast("--stages", stages, 1, base.stages());
        int si = atLeast("--stage", stage, 0, stages == null ? base.stage() : st - 1);
        int bytes = atLeast("--bytes-per-param", bytesPerParam, 1, base.bytesPerParam());
        if (st > l) {
            throw new TeraioException("--stages: " + st + " is more than the " + l + " layers");
        }
        if (si >= st) {
            throw new TeraioException("--stage: must be below --stages " + st + ", got " + si);
        }
        int k = atLeast("--kernels", kernels, 0, 0);
        atLeast("--iterations", iterations, 1, 1);
        requireMultiple("--hidden", hidden, h, "--heads", heads, nh);
        requireMultiple("--heads", heads, nh, "--kv-heads", kvHeads, kv);
        String name = base.name() + changes(new String[] {"--layers", "--hidden", "--heads", "--kv-heads", "--ffn",
            "--vocab", "--seq", "--batch", "--micro-batches", "--stages", "--stage", "--bytes-per-param"}, layers,
            hidden, heads, kvHeads, ffn, vocab, seq, batch, microBatches, stages, stage, bytesPerParam);
        TransformerSpec model;
        try {
            model = new TransformerSpec(name, l, h, nh, kv, f, v, s, b, m, bytes,
                    Rates.flopsPerSecond(tflops), Rates.memoryBytesPerSecond(memoryBandwidth), k, st, si);
        } catch (IllegalArgumentException e) {
            throw new TeraioException(given("--layers", "--hidden", "--heads", "--kv-heads", "--ffn", "--vocab", "--seq",
                    "--batch", "--micro-batches", "--stages", "--stage", "--bytes-per-param") + ": " + e.getMessage().replaceFirst("^TransformerSpec [^:]*: ", ""), e);
        }
        checkOps(model);
        int natural = TransformerTrace.naturalOpsPerIteration(model);
        if (k > 0 && k < natural) {
            throw new TeraioException(String.format(Locale.ROOT, "--kernels: %d is below the %d ops of an unsplit"
                    + " step of this model; use 0 (unsplit) or at least %d", k, natural, natural));
        }
        return model;
    }

    /**
     * Refuses a trace of more than {@link TransformerTrace#MAX_OPS} ops before building
     * anything (docs/synth.md#limits), naming the options given that make it so.
     */
    private void checkOps(TransformerSpec model) {
        long ops = TransformerTrace.totalOps(model, iterations);
        if (ops > TransformerTrace.MAX_OPS) {
            throw new TeraioException(String.format(Locale.ROOT, "%s: %s ops%s, more than the %,d a generated trace"
                    + " may have (docs/synth.md#limits)", given("--layers", "--micro-batches", "--kernels",
                    "--iterations"), ops == Long.MAX_VALUE ? "more than 2^63" : String.format(Locale.ROOT, "%,d", ops),
                    iterations == 1 ? "" : String.format(Locale.ROOT, " in %,d iterations", iterations),
                    TransformerTrace.MAX_OPS));
        }
    }

    /**
     * Refuses a trace whose tensors would hold more than 2^50 bytes together, or whose ops
     * would last more than 2^50 ns, before generating it (docs/synth.md#limits), naming the
     * options given that make it so.
     */
    private void checkTotals(TransformerSpec model) {
        TransformerTrace.Totals totals;
        try {
            totals = TransformerTrace.totals(model, iterations);
        } catch (IllegalArgumentException e) {
            throw new TeraioException("synth: " + e.getMessage(), e);
        }
        String sizes = given("--layers", "--hidden", "--heads", "--kv-heads", "--ffn", "--vocab", "--seq",
                "--batch", "--micro-batches", "--iterations");
        if (totals.tensorBytes() > TraceValidator.MAX_TOTAL_BYTES) {
            throw new TeraioException(String.format(Locale.ROOT, "%s: the tensors would hold %s together, more than"
                    + " the 1 PiB (2^50 bytes) a trace may (docs/synth.md#limits)", sizes,
                    Units.formatBytes(totals.tensorBytes())));
        }
        if (totals.durationNs() > TraceValidator.MAX_TOTAL_DURATION_NS) {
            throw new TeraioException(String.format(Locale.ROOT, "%s: the ops would last %s together, more than"
                    + " the 2^50 ns (about 13 days) a trace may (docs/synth.md#limits)",
                    given("--tflops", "--mem-bw", "--layers", "--hidden", "--heads", "--kv-heads", "--ffn",
                            "--vocab", "--seq", "--batch", "--micro-batches", "--iterations"),
                    Units.formatNanos(totals.durationNs())));
        }
    }

    /**
     * The options among {@code options} given on the command line with their values
     * ({@code "--layers 2 --seq 512"}), or the preset when none was ({@code "--preset NAME"}).
     */
    private String given(String... options) {
        StringBuilder sb = new StringBuilder();
        for (String option : options) {
            Object value = switch (option) {
                case "--layers" -> layers;
                case "--hidden" -> hidden;
                case "--heads" -> heads;
                case "--kv-heads" -> kvHeads;
                case "--ffn" -> ffn;
                case "--vocab" -> vocab;
                case "--seq" -> seq;
                case "--batch" -> batch;
                case "--micro-batches" -> microBatches;
                case "--stages" -> stages;
                case "--stage" -> stage;
                case "--bytes-per-param" -> bytesPerParam;
                case "--kernels" -> kernels;
                case "--iterations" -> iterations == 1 ? null : iterations;
                case "--tflops" -> tflops;
                case "--mem-bw" -> memoryBandwidth;
                default -> throw new IllegalArgumentException("given: unknown option " + option);
            };
            if (value != null) {
                sb.append(sb.length() == 0 ? "" : " ").append(option).append(' ').append(value);
            }
        }
        return sb.length() > 0 ? sb.toString() : "--preset " + preset;
    }

    private static int atLeast(String option, Integer given, int min, int otherwise) {
        if (given == null) {
            return otherwise;
        }
        if (given < min) {
            throw new TeraioException(option + ": must be at least " + min + ", got " + given);
        }
        return given;
    }

    /** Fails naming the option given (or the one to give) unless {@code big} is a multiple of {@code small}. */
    private static void requireMultiple(String bigOption, Integer bigGiven, int big, String smallOption,
                                        Integer smallGiven, int small) {
        if (big % small == 0) {
            return;
        }
        String preset = bigGiven == null ? " (the preset's)" : "";
        String hint = bigGiven == null || smallGiven == null
                ? "; give " + (smallGiven == null ? smallOption : bigOption) + " too" : "";
        throw new TeraioException((smallGiven != null ? smallOption : bigOption) + ": " + bigOption.substring(2) + " "
                + big + preset + " is not a multiple of " + smallOption.substring(2) + " " + small + hint);
    }

    /** {@code " with --layers 2 --seq 512"} for the options given, or nothing. */
    private static String changes(String[] options, Integer... values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < options.length; i++) {
            if (values[i] != null) {
                sb.append(sb.length() == 0 ? " with " : " ").append(options[i]).append(' ').append(values[i]);
            }
        }
        return sb.toString();
    }

    private static String bytesOf(Trace trace, TensorKind kind) {
        long[] count = new long[2];
        long[] bytes = new long[2];
        for (Tensor t : trace.tensors()) {
            if (t.kind() == kind) {
                int i = t.persistent() ? 0 : 1;
                count[i]++;
                bytes[i] += t.bytes();
            }
        }
        StringBuilder sb = new StringBuilder();
        String[] labels = {"persistent", "transient"};
        for (int i = 0; i < 2; i++) {
            if (count[i] > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,d %s (%s)", count[i],
                        labels[i], Units.formatBytes(bytes[i])));
            }
        }
        return sb.toString();
    }

    private static String billions(long count) {
        return count >= 1_000_000_000L ? String.format(Locale.ROOT, "%.2f B", count / 1e9)
                : String.format(Locale.ROOT, "%.1f M", count / 1e6);
    }
}
