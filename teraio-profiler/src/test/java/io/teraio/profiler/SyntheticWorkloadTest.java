package io.teraio.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyntheticWorkloadTest {
    @Test
    void gpt2LikeIsAValidTraceOfThreeIterations() {
        SyntheticWorkload workload = SyntheticWorkload.gpt2Like();
        Trace trace = workload.trace();

        TraceValidator.validate(trace, "synthetic");
        int opsPerIteration = 13 * 12 + 3;
        assertEquals(List.of(new Iteration(0, 0, opsPerIteration), new Iteration(1, opsPerIteration, opsPerIteration),
                new Iteration(2, 2 * opsPerIteration, opsPerIteration)), trace.iterations());
        assertEquals("gpt2-like", trace.source().model());
        assertEquals("synthetic", trace.source().framework());

        // Per layer, 4 weights with a gradient and Adam's m and v, all persistent.
        long persistent = trace.tensors().stream().filter(Tensor::persistent).count();
        assertEquals(12 * 4 * 4, persistent);
        assertEquals(12 * 4, trace.tensors().stream().filter(t -> t.kind() == TensorKind.OPTIMIZER_STATE).count() / 2);
        assertEquals(12 * workload.paramBytesPerLayer(), trace.tensors().stream()
                .filter(t -> t.kind() == TensorKind.PARAMETER).mapToLong(Tensor::bytes).sum());
        assertEquals(trace, workload.trace(), "the same workload gives the same trace");
    }

    @Test
    void transientTensorsAreFreedInTheirIterationAndKeyedByAllocationSite() {
        Trace trace = new SyntheticWorkload("tiny", 2, 3, 1200, 1400, 1000).trace();
        TraceValidator.validate(trace, "synthetic");

        Map<Integer, Integer> allocOp = new HashMap<>();
        Map<Integer, Integer> freeOp = new HashMap<>();
        for (Op op : trace.ops()) {
            for (int id : op.allocs()) {
                allocOp.put(id, op.index());
            }
            for (int id : op.frees()) {
                freeOp.put(id, op.index());
            }
        }
        List<List<String>> keysByIteration = new ArrayList<>();
        for (Iteration iteration : trace.iterations()) {
            keysByIteration.add(new ArrayList<>());
        }
        for (Tensor tensor : trace.tensors()) {
            if (tensor.persistent()) {
                continue;
            }
            int alloc = allocOp.get(tensor.id());
            Integer free = freeOp.get(tensor.id());
            assertTrue(free != null, tensor + " is freed");
            Iteration iteration = iterationOf(trace, alloc);
            assertTrue(free < iteration.endOp(), tensor + " allocated at op " + alloc + " freed at " + free
                    + ", after its iteration " + iteration);
            assertEquals("op" + (alloc - iteration.firstOp()) + ".out0", tensor.key());
            keysByIteration.get(iteration.index()).add(tensor.key());
        }
        assertEquals(keysByIteration.get(0), keysByIteration.get(1), "every iteration has the same allocation sites");
        assertEquals(keysByIteration.get(0), keysByIteration.get(2));
    }

    @Test
    void backwardTakesTwiceTheForwardAndAdamIsProportionalToBytes() {
        SyntheticWorkload workload = new SyntheticWorkload("tiny", 1, 1, 12_000, 1400, 1500);
        Map<String, Long> durationByName = new HashMap<>();
        for (Op op : workload.trace().ops()) {
            durationByName.put(op.name(), op.durationNs());
        }
        // forwardNsPerLayer shared 3:2:1:4:1:4 over qkv, attention, proj, mlp_up, gelu, mlp_down.
        assertEquals(300, durationByName.get("qkv"));
        assertEquals(600, durationByName.get("qkv_backward"));
        assertEquals(400, durationByName.get("mlp_down"));
        assertEquals(800, durationByName.get("mlp_down_backward"));
        // 7 passes over 12,000 bytes at 1000 bytes/ns.
        assertEquals(84, durationByName.get("adam"));
    }

    @Test
    void withApproxOpsReachesTheAskedSize() {
        Trace trace = SyntheticWorkload.withApproxOps(250_000).trace();

        int ops = trace.ops().size();
        assertTrue(Math.abs(ops - 250_000) <= 12_500, ops + " ops");
        assertEquals(3, trace.iterations().size());
        assertEquals(1, SyntheticWorkload.withApproxOps(1).iterations());
    }

    @Test
    void rejectsSizesItCannotSplit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyntheticWorkload("m", 0, 1, 1200, 1400, 1));
        assertEquals("SyntheticWorkload m: layers and iterations must be positive, got 0 and 1", e.getMessage());
    }

    private static Iteration iterationOf(Trace trace, int op) {
        for (Iteration iteration : trace.iterations()) {
            if (op < iteration.endOp()) {
                return iteration;
            }
        }
        throw new IllegalArgumentException("op " + op + " is in no iteration");
    }
}
