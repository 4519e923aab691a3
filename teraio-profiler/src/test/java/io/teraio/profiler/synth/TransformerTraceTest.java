package io.teraio.profiler.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceValidator;
import io.teraio.profiler.LifetimeAnalyzer;
import io.teraio.profiler.LifetimeSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TransformerTraceTest {
    /** 2 layers of width 64, 4 heads of 16 (2 KV heads: kvDim 32), ffn 256, vocab 100, 2 x 16 = 32 tokens. */
    private static TransformerSpec tiny(int microBatches, int kernels) {
        return new TransformerSpec("tiny", 2, 64, 4, 2, 256, 100, 16, 2, microBatches, 2, 1e12, 1e11, kernels);
    }

    private static Map<String, Tensor> byKey(Trace trace) {
        return trace.tensors().stream().collect(Collectors.toMap(Tensor::key, Function.identity(), (a, b) -> a));
    }

    private static Map<String, Long> opsByName(Trace trace) {
        return trace.ops().stream().collect(Collectors.groupingBy(Op::name, TreeMap::new, Collectors.counting()));
    }

    @Test
    void opCountsPerLayerAndMicroBatch() {
        for (int micro : new int[] {1, 3}) {
            Trace trace = TransformerTrace.generate(tiny(micro, 0));
            Map<String, Long> counts = opsByName(trace);
            for (String perLayer : List.of("attn_norm", "qkv_proj", "attention", "o_proj", "attn_residual", "mlp_norm",
                    "gate_up_proj", "swiglu", "down_proj", "mlp_residual", "down_proj_backward", "swiglu_backward",
                    "gate_up_proj_backward", "mlp_norm_backward", "o_proj_backward", "attention_backward",
                    "qkv_proj_backward", "attn_norm_backward")) {
                assertEquals(2L * micro, counts.get(perLayer), perLayer);
            }
            for (String perMicroBatch : List.of("load_batch", "embedding", "final_norm", "lm_head", "cross_entropy",
                    "cross_entropy_backward", "lm_head_backward", "final_norm_backward", "embedding_backward")) {
                assertEquals(micro, counts.get(perMicroBatch), perMicroBatch);
            }
            assertEquals(2 + 2, counts.get("adamw"));
            assertEquals(28, counts.size());
            int natural = micro * (18 * 2 + 9) + 2 + 2;
            assertEquals(natural, TransformerTrace.naturalOpsPerIteration(tiny(micro, 0)));
            assertEquals(List.of(new Iteration(0, 0, natural)), trace.iterations());
        }
    }

    @Test
    void tensorSizesOfATinyModel() {
        Trace trace = TransformerTrace.generate(tiny(1, 0));
        Map<String, Tensor> t = byKey(trace);
        // Weights bf16; gradients the same; Adam moments fp32.
        assertEquals(64 * 64 * 2, t.get("layers.0.attn.q.weight").bytes());
        assertEquals(64 * 32 * 2, t.get("layers.0.attn.k.weight").bytes());
        assertEquals(64 * 32 * 2, t.get("layers.1.attn.v.weight.grad").bytes());
        assertEquals(64 * 256 * 2, t.get("layers.1.mlp.up.weight").bytes());
        assertEquals(64 * 256 * 4, t.get("layers.1.mlp.up.weight.adam.m").bytes());
        assertEquals(64 * 256 * 4, t.get("layers.1.mlp.up.weight.adam.v").bytes());
        assertEquals(64 * 2, t.get("layers.0.mlp_norm.weight").bytes());
        assertEquals(100 * 64 * 2, t.get("embed.weight").bytes());
        assertEquals(100 * 64 * 2, t.get("lm_head.weight").bytes());
        assertEquals(64 * 2, t.get("norm.weight").bytes());
        long params = 2 * (2 * 64 + 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 256) + 2 * 100 * 64 + 64;
        assertEquals(params, tiny(1, 0).parameterCount());
        assertEquals(2 * params, bytesOf(trace, TensorKind.PARAMETER, true));
        assertEquals(2 * params, bytesOf(trace, TensorKind.GRADIENT, true));
        assertEquals(8 * params, bytesOf(trace, TensorKind.OPTIMIZER_STATE, true));

        // Ops 0 load_batch, 1 embedding, 2 attn_norm, 3 qkv_proj, 4 attention, ...; 32 tokens.
        assertEquals("qkv_proj", trace.ops().get(3).name());
        assertEquals(32 * 8, t.get("op0.out0").bytes(), "token ids, int64");
        assertEquals(32 * 64 * 2, t.get("op1.out0").bytes(), "embedding output");
        assertEquals(32 * 4, t.get("op2.out1").bytes(), "RMSNorm's fp32 rstd");
        assertEquals(32 * 64 * 2, t.get("op3.out0").bytes(), "q");
        assertEquals(32 * 32 * 2, t.get("op3.out1").bytes(), "k");
        assertEquals(32 * 32 * 2, t.get("op3.out2").bytes(), "v");
        assertEquals(32 * 64 * 2, t.get("op4.out0").bytes(), "attention output");
        assertEquals(32 * 4 * 4, t.get("op4.out1").bytes(), "log-sum-exp, fp32 per token and head");
        assertEquals(32 * 256 * 2, t.get("op8.out1").bytes(), "up projection");
        assertEquals("lm_head", trace.ops().get(23).name());
        assertEquals(32 * 100 * 2, t.get("op23.out0").bytes(), "logits");
        Op attentionBackward = trace.ops().stream().filter(op -> op.name().equals("attention_backward")).findFirst()
                .orElseThrow();
        Tensor workspace = trace.tensor(attentionBackward.allocs()[3]);
        assertEquals(TensorKind.WORKSPACE, workspace.kind());
        assertEquals(32 * 64 * 4, workspace.bytes());
        assertFalse(workspace.offloadable());
    }

    private static long bytesOf(Trace trace, TensorKind kind, boolean persistent) {
        return trace.tensors().stream().filter(t -> t.kind() == kind && t.persistent() == persistent)
                .mapToLong(Tensor::bytes).sum();
    }

    @Test
    void durationsComeFromFlopsOrBytes() {
        Trace trace = TransformerTrace.generate(tiny(1, 0));
        // qkv_proj: 2 * 32 * 64 * (64 + 32 + 32) FLOPs at 1e12/s = 524.3 ns; 28,672 bytes at 1e11 B/s = 286.7 ns.
        assertEquals(525, trace.ops().get(3).durationNs());
        // attention: 2 * 32 * 16 * 64 FLOPs = 65.5 ns; q, k, v, output and lse, 12,800 bytes = 128 ns.
        assertEquals(128, trace.ops().get(4).durationNs());
        Op backward = trace.ops().stream().filter(op -> op.name().equals("qkv_proj_backward")).findFirst()
                .orElseThrow();
        assertEquals(1049, backward.durationNs(), "twice the forward's FLOPs");
    }

    @Test
    void persistentTensorsAreOffloadableAndTransientOnesLiveWithinTheirIteration() {
        Trace trace = TransformerTrace.generate(tiny(2, 0), 3);
        TraceValidator.validate(trace, "synth");
        assertEquals(3, trace.iterations().size());
        Map<String, Tensor> t = byKey(trace);
        assertEquals(TensorKind.PARAMETER, t.get("layers.1.attn.o.weight").kind());
        assertEquals(TensorKind.GRADIENT, t.get("layers.1.attn.o.weight.grad").kind());
        assertEquals(TensorKind.OPTIMIZER_STATE, t.get("layers.1.attn.o.weight.adam.m").kind());
        long persistent = trace.tensors().stream().filter(Tensor::persistent).count();
        assertEquals(4 * (9 * 2 + 3), persistent, "weight, gradient, m and v of 9 weights a layer and 3 more");
        for (Tensor tensor : trace.tensors()) {
            if (tensor.persistent()) {
                assertTrue(tensor.offloadable(), tensor.key());
                assertTrue(tensor.key().matches("(embed|norm|lm_head|layers\\.\\d\\.[a-z_.]+)\\.weight(\\.grad|\\.adam\\.[mv])?"),
                        tensor.key());
            } else {
                assertTrue(tensor.key().matches("op\\d+\\.out\\d"), tensor.key());
                assertTrue(tensor.kind() == TensorKind.ACTIVATION || tensor.kind() == TensorKind.GRADIENT
                        || tensor.kind() == TensorKind.WORKSPACE, tensor.key());
                assertEquals(tensor.kind() != TensorKind.WORKSPACE, tensor.offloadable(), tensor.key());
            }
        }

        // Every transient tensor is allocated and freed within one iteration, keyed by the allocating op's index
        // within it; the iterations allocate the same keys.
        Map<Integer, Integer> freedAt = new HashMap<>();
        for (Op op : trace.ops()) {
            for (int id : op.frees()) {
                freedAt.put(id, op.index());
            }
        }
        Map<Integer, List<String>> keys = new TreeMap<>();
        for (Iteration iteration : trace.iterations()) {
            for (int i = iteration.firstOp(); i < iteration.endOp(); i++) {
                for (int id : trace.ops().get(i).allocs()) {
                    int free = freedAt.get(id);
                    assertTrue(free >= i && free < iteration.endOp(), trace.tensor(id).key());
                    keys.computeIfAbsent(iteration.index(), k -> new ArrayList<>()).add(trace.tensor(id).key());
                    assertTrue(trace.tensor(id).key().startsWith("op" + (i - iteration.firstOp()) + ".out"));
                }
            }
        }
        assertEquals(keys.get(0), keys.get(1));
        assertEquals(keys.get(0), keys.get(2));
    }

    @Test
    void weightGradientsAccumulateOverMicroBatches() {
        Trace trace = TransformerTrace.generate(tiny(3, 0));
        int grad = byKey(trace).get("layers.1.mlp.up.weight.grad").id();
        int weight = byKey(trace).get("layers.1.mlp.up.weight").id();
        Map<String, Long> usersOfGrad = usersOf(trace, grad);
        assertEquals(Map.of("gate_up_proj_backward", 3L, "adamw", 1L), usersOfGrad);
        assertEquals(Map.of("gate_up_proj", 3L, "gate_up_proj_backward", 3L, "adamw", 1L), usersOf(trace, weight));
        Op adamw = trace.ops().get(trace.ops().size() - 2);
        assertEquals("adamw", adamw.name());
        assertEquals(9 * 4, adamw.uses().length, "one layer's weights, gradients, m and v");
        for (Op op : trace.ops()) {
            assertEquals(op.uses().length, Arrays.stream(op.uses()).distinct().count(), op.toString());
        }
    }

    private static Map<String, Long> usersOf(Trace trace, int id) {
        return trace.ops().stream().filter(op -> Arrays.stream(op.uses()).anyMatch(u -> u == id))
                .collect(Collectors.groupingBy(Op::name, Collectors.counting()));
    }

    @Test
    void savedActivationsStayLiveUntilBackward() {
        Trace trace = TransformerTrace.generate(tiny(1, 0));
        LifetimeSummary summary = LifetimeAnalyzer.analyze(trace).summary();
        long persistent = trace.tensors().stream().filter(Tensor::persistent).mapToLong(Tensor::bytes).sum();
        // The peak holds, besides the persistent tensors, more than what the forward saves of 2 layers
        // (x, h1, q, o, x2, h2: 6 of 32 x 64 bf16; gate, up, act: 3 of 32 x 256 bf16) ...
        long savedPerLayer = 6 * 32 * 64 * 2 + 3 * 32 * 256 * 2;
        assertTrue(summary.peakLiveBytes() > persistent + 2 * savedPerLayer,
                summary.peakLiveBytes() + " vs " + (persistent + 2 * savedPerLayer));
        // ... and comes once the forward ops have run.
        int lastForward = 0;
        for (Op op : trace.ops()) {
            if (op.name().equals("mlp_residual")) {
                lastForward = op.index();
            }
        }
        assertTrue(summary.peakLiveOp() > lastForward, "peak at op " + summary.peakLiveOp());
    }

    @Test
    void kernelsSplitOpsToTheCountAskedKeepingTimeAndTensors() {
        Trace unsplit = TransformerTrace.generate(tiny(2, 0), 2);
        for (int kernels : new int[] {unsplit.ops().size() / 2 + 1, 1000, 12_345}) {
            Trace split = TransformerTrace.generate(tiny(2, kernels), 2);
            for (Iteration iteration : split.iterations()) {
                assertEquals(kernels, iteration.opCount(), "exactly the count asked for");
            }
            assertEquals(unsplit.totalDurationNs(), split.totalDurationNs());
            assertEquals(unsplit.tensors().size(), split.tensors().size());
            assertEquals(persistentKeys(unsplit), persistentKeys(split));
            assertEquals(transientShapes(unsplit), transientShapes(split));
            assertEquals(opsByName(unsplit).keySet(), opsByName(split).keySet());
            LifetimeSummary a = LifetimeAnalyzer.analyze(unsplit).summary();
            LifetimeSummary b = LifetimeAnalyzer.analyze(split).summary();
            assertEquals(a.peakLiveBytes(), b.peakLiveBytes());
            assertEquals(unsplit.ops().get(a.peakLiveOp()).name(), split.ops().get(b.peakLiveOp()).name());
        }
    }

    @Test
    void presetsSplitToTheirPaperKernelCounts() {
        TransformerSpec base = TransformerSpec.preset("llama3-8b");
        Trace trace = TransformerTrace.generate(withKernels(base, 50_000));
        assertEquals(50_000, trace.ops().size(), 0.02 * 50_000);
        assertEquals(TransformerTrace.generate(base).totalDurationNs(), trace.totalDurationNs());

        // The largest: 250k ops of Llama3-70B, generated (and validated) within the tests' 512 MiB heap.
        Trace large = TransformerTrace.generate(withKernels(TransformerSpec.preset("llama3-70b"), 250_000));
        assertEquals(250_000, large.ops().size(), 0.02 * 250_000);
    }

    @Test
    void totalsAreThoseOfTheTraceGenerated() {
        for (int kernels : new int[] {0, 500}) {
            TransformerSpec spec = tiny(2, kernels);
            Trace trace = TransformerTrace.generate(spec, 3);
            TransformerTrace.Totals totals = TransformerTrace.totals(spec, 3);
            assertEquals(trace.ops().size(), totals.ops());
            assertEquals(trace.ops().size(), TransformerTrace.totalOps(spec, 3));
            assertEquals(trace.tensors().stream().mapToLong(Tensor::bytes).sum(), totals.tensorBytes());
            assertEquals(trace.totalDurationNs(), totals.durationNs());
        }
    }

    @Test
    void tracesPastALimitAreRefusedBeforeAnythingIsBuilt() {
        TransformerSpec manyMicroBatches = new TransformerSpec("mb", 36, 64, 4, 2, 256, 100, 16, 1, 100_000, 2, 1e12,
                1e11, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransformerTrace.generate(manyMicroBatches));
        assertTrue(e.getMessage().contains("65700038 ops in 1 iteration(s) is more than the 1000000"), e.getMessage());
        TransformerSpec overflowing = new TransformerSpec("big", Integer.MAX_VALUE, 64, 4, 2, 256, 100, 16, 1,
                Integer.MAX_VALUE, 2, 1e12, 1e11, 0);
        assertEquals(Long.MAX_VALUE, TransformerTrace.totalOps(overflowing, Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> TransformerTrace.generate(overflowing));

        TransformerSpec wide = new TransformerSpec("wide", 36, 1 << 20, 1, 1, 256, 100, 16, 1, 1, 2, 1e12, 1e11, 0);
        e = assertThrows(IllegalArgumentException.class, () -> TransformerTrace.generate(wide));
        assertTrue(e.getMessage().contains("past a trace's limit of 2^50 bytes"), e.getMessage());
        TransformerSpec slow = new TransformerSpec("slow", 2, 64, 4, 2, 256, 100, 16, 1, 1, 2, 1e-9, 1e-9, 0);
        e = assertThrows(IllegalArgumentException.class, () -> TransformerTrace.generate(slow));
        assertTrue(e.getMessage().contains("past a trace's limit of 2^50 ns"), e.getMessage());
        // hidden² overflowed the weights' sizes before the spec counted it among the largest tensors
        e = assertThrows(IllegalArgumentException.class,
                () -> new TransformerSpec("square", 1, Integer.MAX_VALUE, 1, 1, 1, 1, 1, 1, 1, 2, 1e12, 1e11, 0));
        assertTrue(e.getMessage().contains("largest tensor"), e.getMessage());
    }

    private static TransformerSpec withKernels(TransformerSpec s, int kernels) {
        return new TransformerSpec(s.name(), s.layers(), s.hidden(), s.heads(), s.kvHeads(), s.ffn(), s.vocab(),
                s.seq(), s.batch(), s.microBatches(), s.bytesPerParam(), s.flopsPerSecond(),
                s.memoryBytesPerSecond(), kernels, s.stages(), s.stage());
    }

    private static List<String> persistentKeys(Trace trace) {
        return trace.tensors().stream().filter(Tensor::persistent).map(Tensor::key).sorted().toList();
    }

    /** The transient tensors as (kind, bytes, offloadable), sorted: all but their keys. */
    private static List<String> transientShapes(Trace trace) {
        return trace.tensors().stream().filter(t -> !t.persistent())
                .map(t -> t.kind() + " " + t.bytes() + " " + t.offloadable()).sorted().toList();
    }

    @Test
    void presetsHaveTheirPublishedSizes() {
        TransformerSpec llama8 = TransformerSpec.preset("llama3-8b");
        assertEquals(8_030_261_248L, llama8.parameterCount());
        assertEquals(128, llama8.headDim());
        assertEquals(1024, llama8.kvDim());
        assertEquals(70_553_706_496L, TransformerSpec.preset("llama3-70b").parameterCount());
        TransformerSpec gpt2 = TransformerSpec.preset("gpt2-large");
        assertEquals(List.of(36, 1280, 20, 20, 5120, 50257, 1024, 1, 1, 2),
                List.of(gpt2.layers(), gpt2.hidden(), gpt2.heads(), gpt2.kvHeads(), gpt2.ffn(), gpt2.vocab(),
                        gpt2.seq(), gpt2.batch(), gpt2.microBatches(), gpt2.bytesPerParam()));
        assertEquals(989e12, gpt2.flopsPerSecond());
        assertEquals(3.35e12, gpt2.memoryBytesPerSecond());

        Trace trace = TransformerTrace.generate(llama8);
        assertEquals(2 * llama8.parameterCount(), bytesOf(trace, TensorKind.PARAMETER, true));
        assertEquals(8 * llama8.parameterCount(), bytesOf(trace, TensorKind.OPTIMIZER_STATE, true));
    }

    /** Bytes of the tensors allocated by the ops of the first layer's forward in the first micro-batch. */
    private static long firstLayerForwardBytes(Trace trace) {
        List<String> forward = List.of("attn_norm", "qkv_proj", "attention", "o_proj", "attn_residual", "mlp_norm",
                "gate_up_proj", "swiglu", "down_proj", "mlp_residual");
        long bytes = 0;
        int seen = 0;
        for (Op op : trace.ops()) {
            if (seen == forward.size()) {
                break;
            }
            if (op.name().equals(forward.get(seen))) {
                for (int t : op.allocs()) {
                    bytes += trace.tensor(t).bytes();
                }
                seen++;
            }
        }
        return bytes;
    }

    @Test
    void teraioSetupsAreTheLastOfTwoStagesInFp32() {
        // Llama3-8B's layers 16 to 31 and the LM head, fp32, 8 x 2048 = 16,384 tokens a micro-batch.
        TransformerSpec llama8 = TransformerSpec.preset("teraio-llama3-8b");
        assertEquals(List.of(2, 1, 16, 16, 4, 2048, 8), List.of(llama8.stages(), llama8.stage(), llama8.firstLayer(),
                llama8.stageLayers(), llama8.bytesPerParam(), llama8.seq(), llama8.batch()));
        Trace trace = TransformerTrace.generate(llama8);
        Map<String, Tensor> t = byKey(trace);
        assertFalse(t.containsKey("embed.weight"), "the embedding is on stage 0");
        assertFalse(t.containsKey("layers.15.attn.q.weight"));
        assertTrue(t.containsKey("layers.31.attn.q.weight"));
        // One layer by hand: q, o 4096², k, v 4096 x 1024, gate, up, down 4096 x 14336, two norms of 4096.
        long layerElements = 2L * 4096 * 4096 + 2L * 4096 * 1024 + 3L * 4096 * 14336 + 2 * 4096;
        assertEquals(218_112_000L, layerElements);
        long layer16 = trace.tensors().stream().filter(x -> x.key().startsWith("layers.16."))
                .filter(x -> x.kind() == TensorKind.PARAMETER).mapToLong(Tensor::bytes).sum();
        assertEquals(872_448_000L, layer16, "fp32 weights of one layer");
        assertEquals(4L * 4096 * 14336, t.get("layers.16.mlp.up.weight.grad").bytes());
        assertEquals(4L * 4096 * 14336, t.get("layers.16.mlp.up.weight.adam.v").bytes());
        long stageElements = 16 * layerElements + 128256L * 4096 + 4096;
        assertEquals(stageElements, llama8.stageParameterCount());
        assertEquals(4 * stageElements, bytesOf(trace, TensorKind.PARAMETER, true));
        assertEquals(4 * stageElements, bytesOf(trace, TensorKind.GRADIENT, true));
        assertEquals(8 * stageElements, bytesOf(trace, TensorKind.OPTIMIZER_STATE, true));
        // One layer's forward allocates 8 x hidden, 2 x kvDim and 3 x ffn fp32 elements a token, and the
        // norms' rstd and the attention's log-sum-exp (fp32, 2 + 32 heads a token).
        long tokens = 8 * 2048;
        assertEquals(tokens * (4L * (8 * 4096 + 2 * 1024 + 3 * 14336) + 4L * (2 + 32)), firstLayerForwardBytes(trace));
        assertEquals(5_102_501_888L, firstLayerForwardBytes(trace));
        // The stage receives its input and loads the labels; no embedding, no gradient sent back from a loss.
        Map<String, Long> counts = opsByName(trace);
        assertEquals(1L, counts.get("recv_activations"));
        assertEquals(1L, counts.get("send_gradients"));
        assertEquals(1L, counts.get("lm_head"));
        assertFalse(counts.containsKey("embedding"));
        assertEquals(16 * 18 + 9 + 16 + 1, trace.ops().size());
        assertEquals(tokens * 4096 * 4, t.get("op1.out0").bytes(), "the received activations");

        // Granite-8B: 36 layers of Llama3-8B's width, vocab 49152; its stage holds layers 18 to 35.
        TransformerSpec granite = TransformerSpec.preset("teraio-granite-8b");
        assertEquals(List.of(18, 18, 4096, 16), List.of(granite.firstLayer(), granite.stageLayers(), granite.seq(),
                granite.batch()));
        assertEquals(36 * layerElements + 2L * 49152 * 4096 + 4096,
                TransformerSpec.preset("granite-8b").parameterCount());
        assertEquals(18 * layerElements + 49152L * 4096 + 4096, granite.stageParameterCount());

        // Llama3-70B: a layer of 8192 wide, kvDim 1024, ffn 28672; layers 40 to 79.
        TransformerSpec llama70 = TransformerSpec.preset("teraio-llama3-70b");
        long layer70 = 2L * 8192 * 8192 + 2L * 8192 * 1024 + 3L * 8192 * 28672 + 2 * 8192;
        assertEquals(List.of(40, 40), List.of(llama70.firstLayer(), llama70.stageLayers()));
        assertEquals(40 * layer70 + 128256L * 8192 + 8192, llama70.stageParameterCount());
    }

    @Test
    void pipelineStagesSplitTheLayersAndTheirEnds() {
        // 5 layers in 3 stages: 2, 2, 1; the first holds the embedding, the last the head.
        TransformerSpec whole = new TransformerSpec("s", 5, 64, 4, 2, 256, 100, 16, 2, 2, 2, 1e12, 1e11, 0);
        long sum = 0;
        int[][] expected = {{0, 2}, {2, 2}, {4, 1}};
        for (int stage = 0; stage < 3; stage++) {
            TransformerSpec s = new TransformerSpec("s", 5, 64, 4, 2, 256, 100, 16, 2, 2, 2, 1e12, 1e11, 0, 3, stage);
            assertEquals(List.of(expected[stage][0], expected[stage][1]), List.of(s.firstLayer(), s.stageLayers()));
            Trace trace = TransformerTrace.generate(s);
            assertEquals(TransformerTrace.naturalOpsPerIteration(s), trace.ops().size());
            TraceValidator.validate(trace, "stage " + stage);
            Map<String, Long> counts = opsByName(trace);
            assertEquals(stage == 0 ? 2L : null, counts.get("embedding_backward"));
            assertEquals(stage == 1 ? null : 2L, counts.get("load_batch"));
            assertEquals(stage == 2 ? null : 2L, counts.get("recv_gradients"));
            assertEquals(stage == 0 ? null : 2L, counts.get("recv_activations"));
            sum += s.stageParameterCount();
            assertEquals(2 * s.stageParameterCount(), bytesOf(trace, TensorKind.PARAMETER, true));
        }
        assertEquals(whole.parameterCount(), sum);
        assertThrows(IllegalArgumentException.class,
                () -> new TransformerSpec("s", 2, 64, 4, 2, 256, 100, 16, 2, 2, 2, 1e12, 1e11, 0, 3, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new TransformerSpec("s", 2, 64, 4, 2, 256, 100, 16, 2, 2, 2, 1e12, 1e11, 0, 2, 2));
    }

    @Test
    void unknownPresetNamesTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransformerSpec.preset("llama2-7b"));
        assertEquals("unknown model preset 'llama2-7b'; the presets are gpt2-large, llama3-8b, llama3-70b,"
                + " granite-8b, teraio-llama3-8b, teraio-granite-8b, teraio-llama3-70b", e.getMessage());
    }

    @Test
    void badSpecsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TransformerSpec("x", 2, 64, 5, 5, 256, 100, 16, 1, 1, 2, 1e12, 1e11, 0));
        assertTrue(e.getMessage().contains("hidden 64 is not a multiple of heads 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TransformerSpec("x", 2, 64, 4, 3, 256, 100, 16, 1, 1, 2, 1e12, 1e11, 0));
        assertTrue(e.getMessage().contains("heads 4 is not a multiple of kvHeads 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TransformerSpec("x", 0, 64, 4, 2, 256, 100, 16, 1, 1, 2, 1e12, 1e11, 0));
        assertTrue(e.getMessage().contains("must be positive"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TransformerTrace.generate(tiny(1, 10)));
        assertTrue(e.getMessage().contains("kernelsPerIteration 10 is below the 49 ops"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TransformerTrace.generate(tiny(1, 0), 0));
        assertTrue(e.getMessage().contains("iterations must be positive"), e.getMessage());
    }
}
