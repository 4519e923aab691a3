package io.teraio.profiler;

import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import java.util.Objects;

/**
 * A generator of realistic training traces, for the demo, tests and benchmarks: a stack of
 * transformer-like layers trained with Adam, recorded through a {@link Recorder}.
 *
 * <p>Each layer has four weight matrices ({@code qkv}, {@code proj}, {@code mlp_up},
 * {@code mlp_down}, sharing {@code paramBytesPerLayer} 3:1:4:4 as in GPT-2), each with a
 * gradient and Adam's {@code m} and {@code v} state; all of them are persistent, the weights
 * and the Adam state are offloadable. Each iteration runs:
 * <ol>
 * <li>{@code load_batch}, which allocates the input;
 * <li>per layer, six forward ops ({@code qkv}, {@code attention}, {@code proj},
 *     {@code mlp_up}, {@code gelu}, {@code mlp_down}), each allocating one activation that is
 *     saved for backward (sharing {@code activationBytesPerLayer} 3:1:1:4:4:1);
 * <li>{@code loss} and {@code loss_backward};
 * <li>per layer in reverse, the six backward ops in reverse; each uses the incoming gradient,
 *     its forward op's saved input and, for the matrix products, the weight and its
 *     gradient (which it accumulates into); it allocates the gradient of that input and
 *     frees the incoming gradient and the saved input, which nothing needs any more;
 * <li>per layer, one {@code adam} op using every weight, gradient, {@code m} and {@code v}.
 * </ol>
 * That is {@code 13 * layers + 3} ops per iteration. Every iteration registers fresh
 * transient tensors keyed by their allocation site ({@code op17.out0}: output 0 of op 17 of
 * the iteration), all freed within the iteration. Durations are deterministic: the forward
 * ops share {@code forwardNsPerLayer} 3:2:1:4:1:4, a backward op takes twice its forward op,
 * the loss a tenth of a layer's forward, and an Adam step moves its seven tensor passes
 * (read weight, gradient, m, v; write weight, m, v) at {@value #OPTIMIZER_BYTES_PER_NS}
 * bytes/ns.
 *
 * @param model                   the model name in the trace's source
 * @param layers                  the number of layers (positive)
 * @param iterations              the number of training iterations (positive)
 * @param paramBytesPerLayer      the bytes of one layer's weights (at least 12)
 * @param activationBytesPerLayer the bytes of one layer's saved activations (at least 14)
 * @param forwardNsPerLayer       the duration of one layer's forward ops (not negative)
 */
public record SyntheticWorkload(String model, int layers, int iterations, long paramBytesPerLayer,
                                long activationBytesPerLayer, long forwardNsPerLayer) {
    /** The memory bandwidth an Adam step runs at: 1000 bytes/ns, about 1 TB/s. */
    public static final long OPTIMIZER_BYTES_PER_NS = 1000;

    private static final String[] WEIGHTS = {"qkv", "proj", "mlp_up", "mlp_down"};
    private static final long[] WEIGHT_SHARES = {3, 1, 4, 4};
    private static final long WEIGHT_SHARE_TOTAL = 12;

    private static final String[] FORWARD_OPS = {"qkv", "attention", "proj", "mlp_up", "gelu", "mlp_down"};
    /** The weight each forward op multiplies by, as an index into {@link #WEIGHTS}, or -1. */
    private static final int[] FORWARD_WEIGHT = {0, -1, 1, 2, -1, 3};
    private static final long[] ACTIVATION_SHARES = {3, 1, 1, 4, 4, 1};
    private static final long ACTIVATION_SHARE_TOTAL = 14;
    private static final long[] TIME_SHARES = {3, 2, 1, 4, 1, 4};
    private static final long TIME_SHARE_TOTAL = 15;

    /** The ops of one iteration, beyond {@code 13 * layers}: load_batch, loss, loss_backward. */
    private static final int FIXED_OPS_PER_ITERATION = 3;
    private static final int OPS_PER_LAYER = 13;

    public SyntheticWorkload {
        Objects.requireNonNull(model, "model");
        if (layers <= 0 || iterations <= 0) {
            throw new IllegalArgumentException("SyntheticWorkload " + model + ": layers and iterations must be"
                    + " positive, got " + layers + " and " + iterations);
        }
        if (paramBytesPerLayer < WEIGHT_SHARE_TOTAL || activationBytesPerLayer < ACTIVATION_SHARE_TOTAL) {
            throw new IllegalArgumentException("SyntheticWorkload " + model + ": paramBytesPerLayer must be at least "
                    + WEIGHT_SHARE_TOTAL + " and activationBytesPerLayer at least " + ACTIVATION_SHARE_TOTAL
                    + ", got " + paramBytesPerLayer + " and " + activationBytesPerLayer);
        }
        if (forwardNsPerLayer < 0) {
            throw new IllegalArgumentException("SyntheticWorkload " + model + ": forwardNsPerLayer must not be"
                    + " negative, got " + forwardNsPerLayer);
        }
    }

    /**
     * A small GPT-2-like model for the demo: 12 layers of width 768 (fp32 weights, 28.3 MB a
     * layer), batch 8 x 1024 tokens (fp16 activations, 176 MB a layer), 1.2 ms forward per
     * layer, 3 iterations.
     */
    public static SyntheticWorkload gpt2Like() {
        long width = 768;
        long tokens = 8 * 1024;
        return new SyntheticWorkload("gpt2-like", 12, 3, WEIGHT_SHARE_TOTAL * width * width * 4,
                ACTIVATION_SHARE_TOTAL * tokens * width * 2, 1_200_000);
    }

    /**
     * A GPT-2-like workload of about {@code ops} ops: 3 iterations (fewer for tiny counts)
     * of as many layers as it takes.
     *
     * @throws IllegalArgumentException if {@code ops} is not positive
     */
    public static SyntheticWorkload withApproxOps(int ops) {
        if (ops <= 0) {
            throw new IllegalArgumentException("withApproxOps: ops must be positive, got " + ops);
        }
        int iterations = Math.max(1, Math.min(3, ops / (OPS_PER_LAYER + FIXED_OPS_PER_ITERATION)));
        int layers = (int) Math.max(1,
                Math.round((double) (ops / iterations - FIXED_OPS_PER_ITERATION) / OPS_PER_LAYER));
        SyntheticWorkload base = gpt2Like();
        return new SyntheticWorkload("gpt2-like-" + layers + "l", layers, iterations, base.paramBytesPerLayer,
                base.activationBytesPerLayer, base.forwardNsPerLayer);
    }

    /** Generates the trace. */
    public Trace trace() {
        String version = SyntheticWorkload.class.getPackage().getImplementationVersion();
        Recorder recorder = new Recorder(new TraceSource(
                version == null ? "teraio-synthetic" : "teraio-synthetic " + version, "synthetic", model, "none"));

        // Per layer and weight: the weight, its gradient, Adam's m and v.
        int[][][] state = new int[layers][WEIGHTS.length][];
        for (int layer = 0; layer < layers; layer++) {
            for (int w = 0; w < WEIGHTS.length; w++) {
                String name = "layer" + layer + "." + WEIGHTS[w];
                long bytes = paramBytesPerLayer * WEIGHT_SHARES[w] / WEIGHT_SHARE_TOTAL;
                state[layer][w] = new int[] {
                    recorder.registerTensor(name + ".weight", bytes, TensorKind.PARAMETER, true, true),
                    recorder.registerTensor(name + ".grad", bytes, TensorKind.GRADIENT, true, false),
                    recorder.registerTensor(name + ".adam.m", bytes, TensorKind.OPTIMIZER_STATE, true, true),
                    recorder.registerTensor(name + ".adam.v", bytes, TensorKind.OPTIMIZER_STATE, true, true),
                };
            }
        }
        for (int i = 0; i < iterations; i++) {
            new IterationRecorder(recorder, state).run();
        }
        return recorder.toTrace();
    }

    /** Records one iteration; knows the op index within it for allocation-site keys. */
    private final class IterationRecorder {
        private static final int[] NONE = new int[0];

        private final Recorder recorder;
        private final int[][][] state;
        private int op;

        IterationRecorder(Recorder recorder, int[][][] state) {
            this.recorder = recorder;
            this.state = state;
        }

        void run() {
            // saved[layer][k] is the input of forward op k of the layer, saved for its backward op.
            int[][] saved = new int[layers][FORWARD_OPS.length];
            int x = output(TensorKind.ACTIVATION, activationBytesPerLayer / ACTIVATION_SHARE_TOTAL);
            record("load_batch", forwardNsPerLayer / 10, NONE, new int[] {x}, NONE);
            for (int layer = 0; layer < layers; layer++) {
                for (int k = 0; k < FORWARD_OPS.length; k++) {
                    saved[layer][k] = x;
                    int out = output(TensorKind.ACTIVATION,
                            activationBytesPerLayer * ACTIVATION_SHARES[k] / ACTIVATION_SHARE_TOTAL);
                    int weight = FORWARD_WEIGHT[k];
                    int[] uses = weight < 0 ? new int[] {x} : new int[] {x, state[layer][weight][0]};
                    record(FORWARD_OPS[k], forwardNs(k), uses, new int[] {out}, NONE);
                    x = out;
                }
            }

            int loss = output(TensorKind.ACTIVATION, 4);
            record("loss", forwardNsPerLayer / 10, new int[] {x}, new int[] {loss}, NONE);
            int grad = output(TensorKind.GRADIENT, activationBytesPerLayer / ACTIVATION_SHARE_TOTAL);
            record("loss_backward", forwardNsPerLayer / 10, new int[] {loss, x}, new int[] {grad}, new int[] {loss, x});

            for (int layer = layers - 1; layer >= 0; layer--) {
                for (int k = FORWARD_OPS.length - 1; k >= 0; k--) {
                    int input = saved[layer][k];
                    int weight = FORWARD_WEIGHT[k];
                    int[] uses = weight < 0 ? new int[] {grad, input}
                            : new int[] {grad, input, state[layer][weight][0], state[layer][weight][1]};
                    boolean networkInput = layer == 0 && k == 0;
                    int inputGrad = networkInput ? -1 : output(TensorKind.GRADIENT,
                            activationBytesPerLayer * inputShare(k) / ACTIVATION_SHARE_TOTAL);
                    record(FORWARD_OPS[k] + "_backward", 2 * forwardNs(k), uses,
                            networkInput ? NONE : new int[] {inputGrad}, new int[] {grad, input});
                    grad = inputGrad;
                }
            }

            for (int layer = 0; layer < layers; layer++) {
                int[] uses = new int[WEIGHTS.length * 4];
                for (int w = 0; w < WEIGHTS.length; w++) {
                    System.arraycopy(state[layer][w], 0, uses, 4 * w, 4);
                }
                record("adam", 7 * paramBytesPerLayer / OPTIMIZER_BYTES_PER_NS, uses, NONE, NONE);
            }
            recorder.endIteration();
        }

        /** Registers the output of the op about to be recorded. */
        private int output(TensorKind kind, long bytes) {
            return recorder.registerTensor("op" + op + ".out0", bytes, kind, false, true);
        }

        private void record(String name, long durationNs, int[] uses, int[] allocs, int[] frees) {
            recorder.recordOp(name, durationNs, uses, allocs, frees);
            op++;
        }

        private long forwardNs(int k) {
            return forwardNsPerLayer * TIME_SHARES[k] / TIME_SHARE_TOTAL;
        }

        /** The share of forward op k's input: the previous op's output (op 0: the layer input). */
        private long inputShare(int k) {
            return ACTIVATION_SHARES[(k + FORWARD_OPS.length - 1) % FORWARD_OPS.length];
        }
    }
}
