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
 */
public record TransformerSpec(String name, int layers, int hidden, int heads, int kvHeads, int ffn, int vocab,
                              int seq, int batch, int microBatches, int bytesPerParam, double flopsPerSecond,
                              double memoryBytesPerSecond, int kernelsPerIteration) {
    /** The names {@link #preset} knows. */
    public static final List<String> PRESETS = List.of("gpt2-large", "llama3-8b", "llama3-70b");

    /** Adam's moments are fp32. */
    static final int MOMENT_BYTES = 4;

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

    /**
     * A model of a known name, with batch 1, one micro-batch, bf16, an H100's rates
     * ({@link ImportOptions#H100_FLOPS_PER_SECOND}, {@link ImportOptions#H100_MEMORY_BYTES_PER_SECOND})
     * and its natural op count:
     * <ul>
     * <li>{@code gpt2-large}: 36 layers, hidden 1280, 20 heads, ffn 5120, vocab 50257, seq 1024;
     * <li>{@code llama3-8b}: 32 layers, hidden 4096, 32 heads, 8 KV heads, ffn 14336, vocab 128256, seq 8192;
     * <li>{@code llama3-70b}: 80 layers, hidden 8192, 64 heads, 8 KV heads, ffn 28672, vocab 128256, seq 8192.
     * </ul>
     *
     * @throws IllegalArgumentException naming the valid names if {@code name} is none of them
     */
    public static TransformerSpec preset(String name) {
        return switch (name == null ? "" : name) {
            case "gpt2-large" -> h100(name, 36, 1280, 20, 20, 5120, 50257, 1024);
            case "llama3-8b" -> h100(name, 32, 4096, 32, 8, 14336, 128256, 8192);
            case "llama3-70b" -> h100(name, 80, 8192, 64, 8, 28672, 128256, 8192);
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "'; the presets are "
                    + String.join(", ", PRESETS));
        };
    }

    private static TransformerSpec h100(String name, int layers, int hidden, int heads, int kvHeads, int ffn,
                                        int vocab, int seq) {
        return new TransformerSpec(name, layers, hidden, heads, kvHeads, ffn, vocab, seq, 1, 1, 2,
                ImportOptions.H100_FLOPS_PER_SECOND, ImportOptions.H100_MEMORY_BYTES_PER_SECOND, 0);
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
        long h = hidden;
        long perLayer = 2 * h + 2 * h * h + 2 * h * kvDim() + 3 * h * ffn;
        return layers * perLayer + 2 * h * vocab + h;
    }
}
