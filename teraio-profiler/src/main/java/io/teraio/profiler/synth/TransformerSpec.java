package io.teraio.profiler.synth;

import io.teraio.profiler.importer.ImportOptions;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A decoder-only transformer and the training step to generate a trace of, for
 * {@link TransformerTrace}. The block is Llama's: RMSNorm, grouped-query attention,
 * SwiGLU MLP, untied embedding and LM head.
 *
 * @param name                 the model name in the trace's source
 * @param layers               transformer blocks
 * @param hidden               the model width
 * @param heads                query heads (a divisor of {@code hidden})
 * @param kvHeads              key/value heads (a divisor of {@code heads}; {@code heads} for
 *                             plain multi-head attention)
 * @param ffn                  the MLP's inner width
 * @param vocab                the vocabulary size
 * @param seq                  tokens per sequence
 * @param batch                sequences per micro-batch
 * @param microBatches         micro-batches per training step (gradient accumulation)
 * @param bytesPerParam        bytes of a weight, gradient or activation element (2 = bf16);
 *                             Adam's moments are fp32 whatever this is
 * @param flopsPerSecond       the compute rate op durations are estimated with
 * @param memoryBytesPerSecond the memory bandwidth op durations are estimated with
 * @param kernelsPerIteration  the ops of one iteration: 0 for one op per step of the model
 *                             (its natural count), or a larger count to split the steps into
 * @param stages               pipeline stages the layers are split into (1: the whole model)
 * @param stage                the stage this trace is of, 0 to {@code stages - 1}: stage 0 holds
 *                             the embedding, the last stage the final norm, LM head and loss;
 *                             the layers are split evenly, the first {@code layers % stages}
 *                             stages taking one more
 */
public record TransformerSpec(String name, int layers, int hidden, int heads, int kvHeads, int ffn, int vocab,
                              int seq, int batch, int microBatches, int bytesPerParam, double flopsPerSecond,
                              double memoryBytesPerSecond, int kernelsPerIteration, int stages, int stage) {
    /** The names {@link #preset} knows. */
    public static final List<String> PRESETS = List.of("gpt2-large", "llama3-8b", "llama3-70b", "granite-8b",
            "teraio-llama3-8b", "teraio-granite-8b", "teraio-llama3-70b");

    /** Adam's moments are fp32. */
    static final int MOMENT_BYTES = 4;
    private static final int FP32_BYTES = 4;
    /** TERAIO's runs: two GPUs, one pipeline stage each. */
    private static final int TERAIO_STAGES = 2;

    public TransformerSpec {
        Objects.requireNonNull(name, "name");
        String at = "TransformerSpec " + name + ": ";
        if (layers < 1 || hidden < 1 || heads < 1 || kvHeads < 1 || ffn < 1 || vocab < 1 || seq < 1 || batch < 1
                || microBatches < 1 || bytesPerParam < 1) {
            throw new IllegalArgumentException(at + "layers, hidden, heads, kvHeads, ffn, vocab, seq, batch,"
                    + " microBatches and bytesPerParam must be positive, got " + layers + ", " + hidden + ", " + heads
                    + ", " + kvHeads + ", " + ffn + ", " + vocab + ", " + seq + ", " + batch + ", " + microBatches
                    + " and " + bytesPerParam);
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException(at + "hidden " + hidden + " is not a multiple of heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(at + "heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        }
        if (!(flopsPerSecond > 0) || !(memoryBytesPerSecond > 0) || Double.isInfinite(flopsPerSecond)
                || Double.isInfinite(memoryBytesPerSecond)) {
            throw new IllegalArgumentException(at + "flopsPerSecond and memoryBytesPerSecond must be positive and"
                    + " finite, got " + flopsPerSecond + " and " + memoryBytesPerSecond);
        }
        if (stages < 1 || stages > layers || stage < 0 || stage >= stages) {
            throw new IllegalArgumentException(at + "stages must be 1 to layers (" + layers + ") and stage 0 to"
                    + " stages - 1, got stages " + stages + " and stage " + stage);
        }
        if (kernelsPerIteration < 0) {
            throw new IllegalArgumentException(at + "kernelsPerIteration must not be negative, got "
                    + kernelsPerIteration);
        }
        // The largest tensors: the logits (tokens x vocab), a weight (vocab, ffn or hidden x hidden) in fp32, the token ids.
        double largest = Math.max(Math.max((double) batch * seq * Math.max(vocab, Math.max(ffn, hidden)),
                (double) hidden * Math.max(vocab, Math.max(ffn, hidden))) * Math.max(bytesPerParam, MOMENT_BYTES),
                (double) batch * seq * 8);
        if (largest >= 0x1p62) {
            throw new IllegalArgumentException(at + String.format(Locale.ROOT, "its largest tensor would hold %.3g"
                    + " bytes, more than a trace can count (2^62); use smaller sizes", largest));
        }
    }

    /** The whole model on one device: stage 0 of 1. */
    public TransformerSpec(String name, int layers, int hidden, int heads, int kvHeads, int ffn, int vocab, int seq,
                           int batch, int microBatches, int bytesPerParam, double flopsPerSecond,
                           double memoryBytesPerSecond, int kernelsPerIteration) {
        this(name, layers, hidden, heads, kvHeads, ffn, vocab, seq, batch, microBatches, bytesPerParam, flopsPerSecond,
                memoryBytesPerSecond, kernelsPerIteration, 1, 0);
    }

    /**
     * A model of a known name, with batch 1, one micro-batch, bf16, an H100's rates
     * ({@link ImportOptions#H100_FLOPS_PER_SECOND}, {@link ImportOptions#H100_MEMORY_BYTES_PER_SECOND})
     * and its natural op count:
     * <ul>
     * <li>{@code gpt2-large}: 36 layers, hidden 1280, 20 heads, ffn 5120, vocab 50257, seq 1024;
     * <li>{@code llama3-8b}: 32 layers, hidden 4096, 32 heads, 8 KV heads, ffn 14336, vocab 128256, seq 8192;
     * <li>{@code llama3-70b}: 80 layers, hidden 8192, 64 heads, 8 KV heads, ffn 28672, vocab 128256, seq 8192;
     * <li>{@code granite-8b}: IBM's Granite-8B (code): 36 layers, hidden 4096, 32 heads, 8 KV heads, ffn 14336,
     *     vocab 49152, seq 4096.
     * </ul>
     * and TERAIO's setups (arXiv 2506.06472): the last of two pipeline stages, fp32 weights,
     * gradients and activations, micro-batches of 8 sequences ({@code teraio-granite-8b}: 16):
     * <ul>
     * <li>{@code teraio-llama3-8b}: {@code llama3-8b} at seq 2048, layers 16 to 31;
     * <li>{@code teraio-granite-8b}: {@code granite-8b} at seq 4096, layers 18 to 35;
     * <li>{@code teraio-llama3-70b}: {@code llama3-70b} at seq 2048, layers 40 to 79.
     * </ul>
     * The paper's batch of B sequences is {@code B / batch} micro-batches of these.
     *
     * @throws IllegalArgumentException naming the valid names if {@code name} is none of them
     */
    public static TransformerSpec preset(String name) {
        return switch (name == null ? "" : name) {
            case "gpt2-large" -> h100(name, 36, 1280, 20, 20, 5120, 50257, 1024);
            case "llama3-8b" -> h100(name, 32, 4096, 32, 8, 14336, 128256, 8192);
            case "llama3-70b" -> h100(name, 80, 8192, 64, 8, 28672, 128256, 8192);
            case "granite-8b" -> h100(name, 36, 4096, 32, 8, 14336, 49152, 4096);
            case "teraio-llama3-8b" -> teraioStage(name, preset("llama3-8b"), 2048, 8);
            case "teraio-granite-8b" -> teraioStage(name, preset("granite-8b"), 4096, 16);
            case "teraio-llama3-70b" -> teraioStage(name, preset("llama3-70b"), 2048, 8);
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "'; the presets are "
                    + String.join(", ", PRESETS));
        };
    }

    private static TransformerSpec h100(String name, int layers, int hidden, int heads, int kvHeads, int ffn,
                                        int vocab, int seq) {
        return new TransformerSpec(name, layers, hidden, heads, kvHeads, ffn, vocab, seq, 1, 1, 2,
                ImportOptions.H100_FLOPS_PER_SECOND, ImportOptions.H100_MEMORY_BYTES_PER_SECOND, 0);
    }

    /** TERAIO's setup of {@code model}: the last of two stages, fp32, micro-batches of {@code batch} x {@code seq}. */
    private static TransformerSpec teraioStage(String name, TransformerSpec model, int seq, int batch) {
        return new TransformerSpec(name, model.layers, model.hidden, model.heads, model.kvHeads, model.ffn,
                model.vocab, seq, batch, 1, FP32_BYTES, model.flopsPerSecond, model.memoryBytesPerSecond, 0,
                TERAIO_STAGES, TERAIO_STAGES - 1);
    }

    /** The first layer of this stage. */
    public int firstLayer() {
        int base = layers / stages;
        return stage * base + Math.min(stage, layers % stages);
    }

    /** The layers this stage holds. */
    public int stageLayers() {
        return layers / stages + (stage < layers % stages ? 1 : 0);
    }

    /** Whether this stage holds the embedding (the first stage). */
    public boolean firstStage() {
        return stage == 0;
    }

    /** Whether this stage holds the final norm, LM head and loss (the last stage). */
    public boolean lastStage() {
        return stage == stages - 1;
    }

    /** The width of one attention head. */
    public int headDim() {
        return hidden / heads;
    }

    /** The width of the keys (and of the values): {@code kvHeads * headDim()}. */
    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Tokens per micro-batch: {@code batch * seq}. */
    public long tokens() {
        return (long) batch * seq;
    }

    /**
     * The number of weights: per layer two norms ({@code hidden} each), the q and o
     * projections ({@code hidden²} each), k and v ({@code hidden * kvDim} each), gate, up and
     * down ({@code hidden * ffn} each); plus the embedding and the LM head
     * ({@code vocab * hidden} each) and the final norm.
     */
    public long parameterCount() {
        return layers * layerParameterCount() + 2L * hidden * vocab + hidden;
    }

    /**
     * The weights of this stage: its layers', plus the embedding on the first stage and the
     * final norm and LM head on the last ({@link #parameterCount} when there is one stage).
     */
    public long stageParameterCount() {
        long h = hidden;
        return stageLayers() * layerParameterCount() + (firstStage() ? h * vocab : 0)
                + (lastStage() ? h * vocab + h : 0);
    }

    private long layerParameterCount() {
        long h = hidden;
        return 2 * h + 2 * h * h + 2 * h * kvDim() + 3 * h * ffn;
    }
}
