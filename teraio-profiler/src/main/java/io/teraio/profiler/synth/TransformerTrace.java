package io.teraio.profiler.synth;

import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TraceValidator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Generates the trace of training a {@link TransformerSpec}, one training step per
 * iteration, recorded through a {@link Recorder}. The model of a step is in
 * {@code docs/synth.md}; in short, per micro-batch:
 * <ol>
 * <li>{@code load_batch} (allocates the token ids and labels), {@code embedding};
 * <li>per layer, {@value #FORWARD_OPS_PER_LAYER} forward ops: {@code attn_norm},
 *     {@code qkv_proj}, {@code attention} (flash-attention style: it saves its output and
 *     the log-sum-exp only), {@code o_proj}, {@code attn_residual}, {@code mlp_norm},
 *     {@code gate_up_proj}, {@code swiglu}, {@code down_proj}, {@code mlp_residual}; each
 *     allocates its outputs, which stay live until the backward op that needs them last;
 * <li>{@code final_norm}, {@code lm_head}, {@code cross_entropy};
 * <li>the backward ops in reverse: {@code cross_entropy_backward}, {@code lm_head_backward},
 *     {@code final_norm_backward}, per layer {@value #BACKWARD_OPS_PER_LAYER} ops
 *     ({@code down_proj_backward}, {@code swiglu_backward}, {@code gate_up_proj_backward},
 *     {@code mlp_norm_backward}, {@code o_proj_backward}, {@code attention_backward},
 *     {@code qkv_proj_backward}, {@code attn_norm_backward}; the residual adds' gradients
 *     are summed by the norms' backward ops), {@code embedding_backward}. Each uses the
 *     saved activations and the weights, accumulates into the persistent weight gradients,
 *     allocates the gradients of its inputs and frees what nothing needs any more;
 * </ol>
 * then one {@code adamw} op for the embedding, one per layer and one for the final norm with
 * the LM head, each using the weights, their gradients and Adam's fp32 {@code m} and
 * {@code v}. That is {@link #naturalOpsPerIteration} ops.
 *
 * <p>A pipeline stage ({@link TransformerSpec#stages} above 1) holds only its layers: the
 * first stage the embedding, the last the final norm, LM head and loss. A later stage
 * starts a micro-batch with {@code recv_activations} (allocating its input) and ends its
 * backward with {@code send_gradients} (freeing the input's gradient); an earlier one ends
 * its forward with {@code send_activations} (freeing its output) and starts its backward
 * with {@code recv_gradients} (allocating the output's gradient). The micro-batches run one
 * after another, as in gradient accumulation; what the other stage does meanwhile is not
 * in the trace.
 *
 * <p>Persistent tensors (all offloadable) have stable keys: {@code layers.3.mlp.up.weight}
 * (a {@code parameter}), {@code layers.3.mlp.up.weight.grad} (a {@code gradient}),
 * {@code layers.3.mlp.up.weight.adam.m} and {@code .adam.v} ({@code optimizer_state}).
 * Transient tensors are keyed by their allocation site, {@code op<k>.out<n>} (output
 * {@code n} of op {@code k} of the iteration), and registered afresh every iteration:
 * activations (offloadable), gradients of activations (offloadable) and the attention
 * backward's fp32 workspace (not offloadable).
 *
 * <p>An op's duration is {@code max(flops / flopsPerSecond, bytes / memoryBytesPerSecond)},
 * at least 1 ns, where bytes are the sizes of the tensors it uses and allocates, with the
 * persistent tensors it updates in place (weight gradients; weights and moments in AdamW)
 * counted twice. FLOPs: {@code 2 * m * n * k} for a forward matrix product and twice that
 * for its backward; {@code 2 * batch * seq² * hidden} for the causal attention forward and
 * 2.5 times that for its backward; elementwise ops count bytes only.
 *
 * <p>With {@code kernelsPerIteration} above the natural count, every op is split into row
 * tiles, consecutive ops of the same name and tensors: the first tile allocates the
 * outputs, the later ones use them too, the last one frees. The extra tiles are shared
 * among the ops in proportion to their durations (cumulative rounding, so an iteration has
 * exactly the count asked for), and an op's duration is shared among its tiles to the
 * nanosecond, so the total duration, the tensors and the live bytes at every step stay
 * those of the unsplit trace.
 */
public final class TransformerTrace {
    /** Forward ops per layer and micro-batch. */
    public static final int FORWARD_OPS_PER_LAYER = 10;
    /** Backward ops per layer and micro-batch. */
    public static final int BACKWARD_OPS_PER_LAYER = 8;
    /**
     * Ops per micro-batch besides the layers': {@code load_batch}, {@code embedding},
     * {@code final_norm}, {@code lm_head}, {@code cross_entropy} and the backward ops of all
     * but {@code load_batch}.
     */
    static final int OTHER_OPS_PER_MICRO_BATCH = 9;

    /**
     * The most ops a generated trace may have, all iterations together: four times the
     * TERAIO paper's largest iteration (Llama3-70B, about 250,000 kernels). It bounds the
     * time and memory of generating, analyzing and writing the trace (seconds, a few hundred
     * MiB); see {@code docs/synth.md#limits}.
     */
    public static final long MAX_OPS = 1_000_000;

    private static final int[] NONE = new int[0];
    private static final int TOKEN_ID_BYTES = 8;
    private static final int FP32_BYTES = 4;
    private static final double ATTENTION_BACKWARD_FACTOR = 2.5;

    private final TransformerSpec spec;
    private final Recorder recorder;
    private final long elementBytes;
    private final long tokens;

    /** Bytes of every persistent tensor, by id (the ids {@link Recorder#registerTensor} gave). */
    private long[] persistentBytes = new long[64];

    /** The transient tensors, by handle {@code -1 - t}: bytes, kind and output slot in the step allocating it. */
    private long[] transientBytes = new long[256];
    private TensorKind[] transientKind = new TensorKind[256];
    private int[] transientSlot = new int[256];
    private int transientCount;

    private final List<Step> steps = new ArrayList<>();

    private TransformerTrace(TransformerSpec spec) {
        this.spec = spec;
        String version = TransformerTrace.class.getPackage().getImplementationVersion();
        this.recorder = new Recorder(new TraceSource(version == null ? "teraio-synth" : "teraio-synth " + version,
                "synthetic", spec.name(), "none"));
        this.elementBytes = spec.bytesPerParam();
        this.tokens = spec.tokens();
    }

    /** The trace of one training step. */
    public static Trace generate(TransformerSpec spec) {
        return generate(spec, 1);
    }

    /**
     * The trace of {@code iterations} training steps, one iteration each.
     *
     * @throws IllegalArgumentException if {@code iterations} is not positive,
     *         {@code spec.kernelsPerIteration()} is positive but below
     *         {@link #naturalOpsPerIteration}, or the trace would break a limit: more than
     *         {@link #MAX_OPS} ops, tensors holding more than
     *         {@link TraceValidator#MAX_TOTAL_BYTES} together, or ops lasting more than
     *         {@link TraceValidator#MAX_TOTAL_DURATION_NS} together (see {@link #totals})
     */
    public static Trace generate(TransformerSpec spec, int iterations) {
        Objects.requireNonNull(spec, "spec");
        long natural = naturalOps(spec);
        long perIteration = spec.kernelsPerIteration() == 0 ? natural : spec.kernelsPerIteration();
        if (iterations < 1) {
            throw new IllegalArgumentException("generate " + spec.name() + ": iterations must be positive, got "
                    + iterations);
        }
        if (perIteration < natural) {
            throw new IllegalArgumentException("generate " + spec.name() + ": kernelsPerIteration "
                    + spec.kernelsPerIteration() + " is below the " + natural + " ops of an unsplit iteration;"
                    + " use 0 or at least " + natural);
        }
        Totals totals = totals(spec, iterations);
        if (totals.tensorBytes() > TraceValidator.MAX_TOTAL_BYTES) {
            throw new IllegalArgumentException("generate " + spec.name() + ": its tensors would hold "
                    + totals.tensorBytes() + " bytes together, past a trace's limit of 2^50 bytes (1 PiB)");
        }
        if (totals.durationNs() > TraceValidator.MAX_TOTAL_DURATION_NS) {
            throw new IllegalArgumentException("generate " + spec.name() + ": its ops would last "
                    + totals.durationNs() + " ns together, past a trace's limit of 2^50 ns (about 13 days)");
        }
        TransformerTrace generator = new TransformerTrace(spec);
        generator.buildSteps();
        if (generator.steps.size() != natural) {
            throw new IllegalStateException("generate " + spec.name() + ": built " + generator.steps.size()
                    + " ops, expected " + natural);
        }
        long[] durations = generator.durations();
        int[] tiles = tiles(durations, (int) perIteration);
        for (int i = 0; i < iterations; i++) {
            generator.recordIteration(durations, tiles);
        }
        return generator.recorder.toTrace();
    }

    /**
     * The ops of one unsplit iteration: per micro-batch {@value #FORWARD_OPS_PER_LAYER} +
     * {@value #BACKWARD_OPS_PER_LAYER} per layer and 9 more; then {@code layers + 2} AdamW ops
     * (one per layer, the embedding's and the final norm's with the LM head). A pipeline stage
     * counts its own layers and ends (see {@link TransformerSpec#stages}).
     *
     * @throws IllegalArgumentException if that is more than {@link Integer#MAX_VALUE}
     */
    public static int naturalOpsPerIteration(TransformerSpec spec) {
        long natural = naturalOps(spec);
        if (natural > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(spec.name() + ": " + natural + " ops per iteration is too many");
        }
        return (int) natural;
    }

    /** {@link #naturalOpsPerIteration} as a long, {@link Long#MAX_VALUE} past 2^63. */
    private static long naturalOps(TransformerSpec spec) {
        long layers = spec.stageLayers();
        int adamwOfEnds = (spec.firstStage() ? 1 : 0) + (spec.lastStage() ? 1 : 0);
        long perMicroBatch = (FORWARD_OPS_PER_LAYER + BACKWARD_OPS_PER_LAYER) * layers + otherOpsPerMicroBatch(spec);
        return saturatedAdd(saturatedMultiply(spec.microBatches(), perMicroBatch), layers + adamwOfEnds);
    }

    /**
     * Ops per micro-batch besides the layers': {@value #OTHER_OPS_PER_MICRO_BATCH} for the
     * whole model; on a pipeline stage, 5 on the first ({@code load_batch}, {@code embedding},
     * {@code send_activations}, {@code recv_gradients}, {@code embedding_backward}), 9 on the
     * last ({@code load_batch} for the labels, {@code recv_activations}, the head's six,
     * {@code send_gradients}) and 4 on the others (the two receives and two sends).
     */
    private static int otherOpsPerMicroBatch(TransformerSpec spec) {
        if (spec.stages() == 1) {
            return OTHER_OPS_PER_MICRO_BATCH;
        }
        return spec.firstStage() ? 5 : spec.lastStage() ? 9 : 4;
    }

    /**
     * What a generated trace would hold, for checking its limits before generating it.
     *
     * @param ops         ops in all iterations
     * @param tensorBytes the bytes of all its tensors together (persistent ones once,
     *                    transient ones once per iteration)
     * @param durationNs  the duration of all its ops together
     */
    public record Totals(long ops, long tensorBytes, long durationNs) {
    }

    /**
     * The ops of {@code iterations} iterations of {@code spec}, {@link Long#MAX_VALUE} past
     * 2^63; generating more than {@link #MAX_OPS} is refused. Cheap: nothing is built.
     */
    public static long totalOps(TransformerSpec spec, int iterations) {
        long perIteration = Math.max(naturalOps(spec), spec.kernelsPerIteration());
        return saturatedMultiply(perIteration, Math.max(1, iterations));
    }

    /**
     * The totals of the trace {@link #generate} would make, sums at most
     * {@link Long#MAX_VALUE} (past it they stay there). Builds the steps of one iteration,
     * so it takes a fraction of generating.
     *
     * @throws IllegalArgumentException if the trace would have more than {@link #MAX_OPS} ops
     *         (check {@link #totalOps} first)
     */
    public static Totals totals(TransformerSpec spec, int iterations) {
        Objects.requireNonNull(spec, "spec");
        long ops = totalOps(spec, iterations);
        if (ops > MAX_OPS) {
            throw new IllegalArgumentException("generate " + spec.name() + ": " + ops + " ops in " + iterations
                    + " iteration(s) is more than the " + MAX_OPS + " a generated trace may have");
        }
        TransformerTrace generator = new TransformerTrace(spec);
        generator.buildSteps();
        long persistent = 0;
        for (long bytes : generator.persistentBytes) {
            persistent = saturatedAdd(persistent, bytes);
        }
        long transientBytes = 0;
        for (int t = 0; t < generator.transientCount; t++) {
            transientBytes = saturatedAdd(transientBytes, generator.transientBytes[t]);
        }
        long durationNs = 0;
        for (long d : generator.durations()) {
            durationNs = saturatedAdd(durationNs, d);
        }
        return new Totals(ops, saturatedAdd(persistent, saturatedMultiply(transientBytes, iterations)),
                saturatedMultiply(durationNs, iterations));
    }

    /** {@code a + b} for non-negative values, {@link Long#MAX_VALUE} where that overflows. */
    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** {@code a * b} for non-negative values, {@link Long#MAX_VALUE} where that overflows. */
    private static long saturatedMultiply(long a, long b) {
        return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }

    // ---- the model: persistent tensors, then the steps of one iteration, as handles ----

    /** A weight with its gradient and Adam's moments (tensor ids). */
    private record Param(int weight, int grad, int m, int v) {
    }

    /** One layer's weights. */
    private record Layer(Param attnNorm, Param q, Param k, Param v, Param o, Param mlpNorm, Param gate, Param up,
                         Param down) {
        Param[] all() {
            return new Param[] {attnNorm, q, k, v, o, mlpNorm, gate, up, down};
        }
    }

    /** What one layer's forward keeps for its backward, and its output (handles). */
    private record Saved(int x, int rstd1, int h1, int q, int k, int v, int o, int lse, int x2, int rstd2, int h2,
                         int gate, int up, int act, int out) {
    }

    private void buildSteps() {
        long h = spec.hidden();
        long vocab = spec.vocab();
        long ffn = spec.ffn();
        long kv = spec.kvDim();
        boolean first = spec.firstStage();
        boolean last = spec.lastStage();
        Param embed = first ? param("embed.weight", vocab * h) : null;
        Layer[] layers = new Layer[spec.stageLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "layers." + (spec.firstLayer() + i) + ".";
            layers[i] = new Layer(param(p + "attn_norm.weight", h), param(p + "attn.q.weight", h * h),
                    param(p + "attn.k.weight", h * kv), param(p + "attn.v.weight", h * kv),
                    param(p + "attn.o.weight", h * h), param(p + "mlp_norm.weight", h),
                    param(p + "mlp.gate.weight", h * ffn), param(p + "mlp.up.weight", h * ffn),
                    param(p + "mlp.down.weight", ffn * h));
        }
        Param norm = last ? param("norm.weight", h) : null;
        Param head = last ? param("lm_head.weight", vocab * h) : null;

        Saved[] saved = new Saved[layers.length];
        for (int micro = 0; micro < spec.microBatches(); micro++) {
            // The first stage loads the token ids, the last the labels; a later stage receives its input.
            int tokenIds = first ? transientTensor(tokens * TOKEN_ID_BYTES, TensorKind.ACTIVATION) : 0;
            int labels = last ? transientTensor(tokens * TOKEN_ID_BYTES, TensorKind.ACTIVATION) : 0;
            if (first && last) {
                step("load_batch").allocs(tokenIds, labels);
            } else if (first || last) {
                step("load_batch").allocs(first ? tokenIds : labels);
            }
            int x = activation(h);
            if (first) {
                step("embedding").uses(tokenIds, embed.weight).allocs(x);
            } else {
                step("recv_activations").allocs(x);
            }
            for (int l = 0; l < layers.length; l++) {
                saved[l] = forward(layers[l], x);
                x = saved[l].out;
            }
            int dx;
            if (last) {
                dx = head(norm, head, x, labels);
            } else {
                step("send_activations").uses(x).frees(x);
                dx = gradient(h);
                step("recv_gradients").allocs(dx);
            }
            for (int l = layers.length - 1; l >= 0; l--) {
                dx = backward(layers[l], saved[l], dx);
            }
            if (first) {
                step("embedding_backward").uses(dx, tokenIds).updates(embed.grad).frees(dx, tokenIds);
            } else {
                step("send_gradients").uses(dx).frees(dx);
            }
        }
        if (first) {
            adamw(embed);
        }
        for (Layer layer : layers) {
            adamw(layer.all());
        }
        if (last) {
            adamw(norm, head);
        }
    }

    /** One layer's {@value #FORWARD_OPS_PER_LAYER} forward ops on input {@code x}. */
    private Saved forward(Layer w, int x) {
        long h = spec.hidden();
        long kv = spec.kvDim();
        long ffn = spec.ffn();
        int h1 = activation(h);
        int rstd1 = fp32(1, TensorKind.ACTIVATION);
        step("attn_norm").uses(x, w.attnNorm.weight).allocs(h1, rstd1);
        int q = activation(h);
        int k = activation(kv);
        int v = activation(kv);
        step("qkv_proj").flops(matmul(h, h + 2 * kv)).uses(h1, w.q.weight, w.k.weight, w.v.weight).allocs(q, k, v);
        int o = activation(h);
        int lse = fp32(spec.heads(), TensorKind.ACTIVATION);
        step("attention").flops(attention()).uses(q, k, v).allocs(o, lse);
        int attnOut = activation(h);
        step("o_proj").flops(matmul(h, h)).uses(o, w.o.weight).allocs(attnOut);
        int x2 = activation(h);
        step("attn_residual").uses(x, attnOut).allocs(x2).frees(attnOut);
        int h2 = activation(h);
        int rstd2 = fp32(1, TensorKind.ACTIVATION);
        step("mlp_norm").uses(x2, w.mlpNorm.weight).allocs(h2, rstd2);
        int gate = activation(ffn);
        int up = activation(ffn);
        step("gate_up_proj").flops(matmul(h, 2 * ffn)).uses(h2, w.gate.weight, w.up.weight).allocs(gate, up);
        int act = activation(ffn);
        step("swiglu").uses(gate, up).allocs(act);
        int mlpOut = activation(h);
        step("down_proj").flops(matmul(ffn, h)).uses(act, w.down.weight).allocs(mlpOut);
        int y = activation(h);
        step("mlp_residual").uses(x2, mlpOut).allocs(y).frees(mlpOut);
        return new Saved(x, rstd1, h1, q, k, v, o, lse, x2, rstd2, h2, gate, up, act, y);
    }

    /**
     * The final norm, LM head and loss, forward and backward, on the last layer's output
     * {@code x}; returns the gradient of {@code x}.
     */
    private int head(Param norm, Param head, int x, int labels) {
        long h = spec.hidden();
        long vocab = spec.vocab();
        int hf = activation(h);
        int rstd = fp32(1, TensorKind.ACTIVATION);
        step("final_norm").uses(x, norm.weight).allocs(hf, rstd);
        int logits = activation(vocab);
        step("lm_head").flops(matmul(h, vocab)).uses(hf, head.weight).allocs(logits);
        int loss = transientTensor(FP32_BYTES, TensorKind.ACTIVATION);
        step("cross_entropy").uses(logits, labels).allocs(loss);
        int dLogits = gradient(vocab);
        step("cross_entropy_backward").uses(loss, logits, labels).allocs(dLogits).frees(loss, logits, labels);
        int dhf = gradient(h);
        step("lm_head_backward").flops(2 * matmul(h, vocab)).uses(dLogits, hf, head.weight).updates(head.grad)
                .allocs(dhf).frees(dLogits, hf);
        int dx = gradient(h);
        step("final_norm_backward").uses(dhf, x, rstd, norm.weight).updates(norm.grad).allocs(dx)
                .frees(dhf, x, rstd);
        return dx;
    }

    /**
     * One layer's {@value #BACKWARD_OPS_PER_LAYER} backward ops, given the gradient of its
     * output; returns the gradient of its input. The residual adds need no op of their own:
     * each norm's backward adds the gradient that skipped its branch.
     */
    private int backward(Layer w, Saved s, int dy) {
        long h = spec.hidden();
        long kv = spec.kvDim();
        long ffn = spec.ffn();
        int dAct = gradient(ffn);
        step("down_proj_backward").flops(2 * matmul(ffn, h)).uses(dy, s.act, w.down.weight).updates(w.down.grad)
                .allocs(dAct).frees(s.act);
        int dGate = gradient(ffn);
        int dUp = gradient(ffn);
        step("swiglu_backward").uses(dAct, s.gate, s.up).allocs(dGate, dUp).frees(dAct, s.gate, s.up);
        int dh2 = gradient(h);
        step("gate_up_proj_backward").flops(2 * matmul(h, 2 * ffn))
                .uses(dGate, dUp, s.h2, w.gate.weight, w.up.weight).updates(w.gate.grad, w.up.grad)
                .allocs(dh2).frees(dGate, dUp, s.h2);
        int dx2 = gradient(h);
        step("mlp_norm_backward").uses(dh2, s.x2, s.rstd2, w.mlpNorm.weight, dy).updates(w.mlpNorm.grad)
                .allocs(dx2).frees(dh2, s.x2, s.rstd2, dy);
        int dO = gradient(h);
        step("o_proj_backward").flops(2 * matmul(h, h)).uses(dx2, s.o, w.o.weight).updates(w.o.grad).allocs(dO);
        int dq = gradient(h);
        int dk = gradient(kv);
        int dv = gradient(kv);
        int dqAccumulator = fp32(h, TensorKind.WORKSPACE);
        step("attention_backward").flops(ATTENTION_BACKWARD_FACTOR * attention())
                .uses(dO, s.q, s.k, s.v, s.o, s.lse).allocs(dq, dk, dv, dqAccumulator)
                .frees(dO, s.q, s.k, s.v, s.o, s.lse, dqAccumulator);
        int dh1 = gradient(h);
        step("qkv_proj_backward").flops(2 * matmul(h, h + 2 * kv))
                .uses(dq, dk, dv, s.h1, w.q.weight, w.k.weight, w.v.weight).updates(w.q.grad, w.k.grad, w.v.grad)
                .allocs(dh1).frees(dq, dk, dv, s.h1);
        int dx = gradient(h);
        step("attn_norm_backward").uses(dh1, s.x, s.rstd1, w.attnNorm.weight, dx2).updates(w.attnNorm.grad)
                .allocs(dx).frees(dh1, s.x, s.rstd1, dx2);
        return dx;
    }

    /** FLOPs of multiplying the micro-batch's tokens by an {@code in x out} weight. */
    private double matmul(long in, long out) {
        return 2.0 * tokens * in * out;
    }

    /** FLOPs of the causal attention forward: half of {@code 4 * batch * seq² * hidden}. */
    private double attention() {
        return 2.0 * tokens * spec.seq() * spec.hidden();
    }

    private void adamw(Param... params) {
        int[] uses = new int[4 * params.length];
        int[] updates = new int[3 * params.length];
        for (int i = 0; i < params.length; i++) {
            Param p = params[i];
            System.arraycopy(new int[] {p.weight, p.grad, p.m, p.v}, 0, uses, 4 * i, 4);
            System.arraycopy(new int[] {p.weight, p.m, p.v}, 0, updates, 3 * i, 3);
        }
        step("adamw").uses(uses).updates(updates);
    }

    private Param param(String key, long elements) {
        long bytes = elements * elementBytes;
        long momentBytes = elements * TransformerSpec.MOMENT_BYTES;
        return new Param(persistent(key, bytes, TensorKind.PARAMETER),
                persistent(key + ".grad", bytes, TensorKind.GRADIENT),
                persistent(key + ".adam.m", momentBytes, TensorKind.OPTIMIZER_STATE),
                persistent(key + ".adam.v", momentBytes, TensorKind.OPTIMIZER_STATE));
    }

    private int persistent(String key, long bytes, TensorKind kind) {
        int id = recorder.registerTensor(key, bytes, kind, true, true);
        if (id >= persistentBytes.length) {
            persistentBytes = Arrays.copyOf(persistentBytes, 2 * id);
        }
        persistentBytes[id] = bytes;
        return id;
    }

    /** An activation of {@code width} elements per token. */
    private int activation(long width) {
        return transientTensor(tokens * width * elementBytes, TensorKind.ACTIVATION);
    }

    /** The gradient of an activation of {@code width} elements per token. */
    private int gradient(long width) {
        return transientTensor(tokens * width * elementBytes, TensorKind.GRADIENT);
    }

    /** An fp32 tensor of {@code perToken} elements per token. */
    private int fp32(long perToken, TensorKind kind) {
        return transientTensor(tokens * perToken * FP32_BYTES, kind);
    }

    /** A transient tensor, as a handle ({@code -1 - t}); its key is set by the step that allocates it. */
    private int transientTensor(long bytes, TensorKind kind) {
        int t = transientCount++;
        if (t == transientBytes.length) {
            int capacity = 2 * t;
            transientBytes = Arrays.copyOf(transientBytes, capacity);
            transientKind = Arrays.copyOf(transientKind, capacity);
            transientSlot = Arrays.copyOf(transientSlot, capacity);
        }
        transientBytes[t] = bytes;
        transientKind[t] = kind;
        return -1 - t;
    }

    private Step step(String name) {
        Step step = new Step(name);
        steps.add(step);
        return step;
    }

    /** One op of the model before splitting; tensors are ids (persistent) or handles (transient). */
    private final class Step {
        final String name;
        double flops;
        int[] uses = NONE;
        int[] allocs = NONE;
        int[] frees = NONE;
        int[] updates = NONE;

        Step(String name) {
            this.name = name;
        }

        Step flops(double value) {
            flops = value;
            return this;
        }

        Step uses(int... tensors) {
            uses = concat(uses, tensors);
            return this;
        }

        /** Persistent tensors it reads and writes back: used, and counted twice in bytes moved. */
        Step updates(int... tensors) {
            updates = tensors;
            return uses(Arrays.stream(tensors).filter(t -> Arrays.stream(uses).noneMatch(u -> u == t)).toArray());
        }

        Step allocs(int... tensors) {
            allocs = tensors;
            for (int n = 0; n < tensors.length; n++) {
                transientSlot[-1 - tensors[n]] = n;
            }
            return this;
        }

        Step frees(int... tensors) {
            frees = tensors;
            return this;
        }
    }

    private static int[] concat(int[] a, int[] b) {
        if (a.length == 0) {
            return b;
        }
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    // ---- durations, tiles and recording ----

    private long bytes(int handle) {
        return handle >= 0 ? persistentBytes[handle] : transientBytes[-1 - handle];
    }

    private long[] durations() {
        long[] durations = new long[steps.size()];
        for (int i = 0; i < durations.length; i++) {
            Step s = steps.get(i);
            double moved = 0;
            for (int[] list : new int[][] {s.uses, s.allocs, s.updates}) {
                for (int handle : list) {
                    moved += bytes(handle);
                }
            }
            double seconds = Math.max(s.flops / spec.flopsPerSecond(), moved / spec.memoryBytesPerSecond());
            durations[i] = Math.max(1, (long) Math.ceil(seconds * 1e9));
        }
        return durations;
    }

    /**
     * How many ops each step becomes so that there are {@code total} in all: one each, and
     * the rest shared in proportion to the durations by cumulative rounding.
     */
    static int[] tiles(long[] durations, int total) {
        double sum = 0;
        for (long d : durations) {
            sum += d;
        }
        int extra = total - durations.length;
        int[] tiles = new int[durations.length];
        double cumulative = 0;
        long given = 0;
        for (int i = 0; i < durations.length; i++) {
            cumulative += durations[i];
            long upTo = i == durations.length - 1 ? extra : Math.round(extra * (cumulative / sum));
            tiles[i] = 1 + (int) (upTo - given);
            given = upTo;
        }
        return tiles;
    }

    private void recordIteration(long[] durations, int[] tiles) {
        int[] ids = new int[transientCount];
        int op = 0;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            for (int handle : s.allocs) {
                int t = -1 - handle;
                ids[t] = recorder.registerTensor("op" + op + ".out" + transientSlot[t], transientBytes[t],
                        transientKind[t], false, transientKind[t] != TensorKind.WORKSPACE);
            }
            int[] uses = resolve(s.uses, ids);
            int[] allocs = resolve(s.allocs, ids);
            int[] frees = resolve(s.frees, ids);
            int n = tiles[i];
            if (n == 1) {
                recorder.recordOp(s.name, durations[i], uses, allocs, frees);
            } else {
                int[] usesAndOutputs = concat(uses, allocs);
                long share = durations[i] / n;
                long remainder = durations[i] % n;
                for (int tile = 0; tile < n; tile++) {
                    recorder.recordOp(s.name, share + (tile < remainder ? 1 : 0), tile == 0 ? uses : usesAndOutputs,
                            tile == 0 ? allocs : NONE, tile == n - 1 ? frees : NONE);
                }
            }
            op += n;
        }
        recorder.endIteration();
    }

    private static int[] resolve(int[] handles, int[] transientIds) {
        int[] ids = new int[handles.length];
        for (int i = 0; i < handles.length; i++) {
            ids[i] = handles[i] >= 0 ? handles[i] : transientIds[-1 - handles[i]];
        }
        return ids;
    }
}
