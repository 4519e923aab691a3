package io.teraio.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecorderTest {
    private static final TraceSource SOURCE = new TraceSource("test", "none", "mlp", "cpu");
    private static final int[] NONE = {};

    @Test
    void recordsLiveAndWholeOpsIntoTheExpectedTrace() throws Exception {
        Recorder recorder = new Recorder(SOURCE);
        int weight = recorder.registerTensor("layer0.weight", 4096, TensorKind.PARAMETER, true, true);
        int out = recorder.registerTensor("op0.out0", 8192, TensorKind.ACTIVATION, false, true);

        // Iteration 0: the three ops of ARCHITECTURE.md, two of them timed live.
        int[] ids = {weight, out};
        int linear = recorder.beginOp("linear", ids);
        ids[0] = -1; // the recorder copied the caller's array
        Thread.sleep(2);
        recorder.endOp(linear, new int[] {out});
        recorder.recordOp("relu", 500, new int[] {out}, null, null);
        int sum = recorder.beginOp("sum", new int[] {out});
        recorder.free(out);
        recorder.endOp(sum, null);
        recorder.endIteration();

        // Iteration 1: two ops open at once, ended in reverse order; frees in a whole op.
        int out2 = recorder.registerTensor("op0.out0", 8192, TensorKind.ACTIVATION, false, true);
        int small = recorder.registerTensor("op1.out0", 4, TensorKind.ACTIVATION, false, true, 1);
        int outer = recorder.beginOp("linear", new int[] {weight});
        int inner = recorder.beginOp("relu", null);
        recorder.endOp(inner, new int[] {small});
        recorder.endOp(outer, new int[] {out2});
        recorder.recordOp("sum", 200, new int[] {out2, small}, NONE, new int[] {out2, small});

        assertEquals(List.of(0, 1, 2, 3), List.of(weight, out, out2, small));
        assertEquals(List.of(0, 2, 3, 4), List.of(linear, sum, outer, inner));
        assertEquals(6, recorder.opCount());
        assertEquals(1, recorder.iterationCount());

        Trace trace = recorder.toTrace();
        List<Op> ops = trace.ops();
        assertTrue(ops.get(0).durationNs() >= 2_000_000, "linear slept 2 ms: " + ops.get(0));
        Trace expected = new Trace(SOURCE,
                List.of(new Iteration(0, 0, 3), new Iteration(1, 3, 3)),
                List.of(new Tensor(0, "layer0.weight", 4096, TensorKind.PARAMETER, true, true, 0),
                        new Tensor(1, "op0.out0", 8192, TensorKind.ACTIVATION, false, true, 0),
                        new Tensor(2, "op0.out0", 8192, TensorKind.ACTIVATION, false, true, 0),
                        new Tensor(3, "op1.out0", 4, TensorKind.ACTIVATION, false, true, 1)),
                List.of(new Op(0, "linear", ops.get(0).durationNs(), new int[] {0, 1}, new int[] {1}, NONE),
                        new Op(1, "relu", 500, new int[] {1}, NONE, NONE),
                        new Op(2, "sum", ops.get(2).durationNs(), new int[] {1}, NONE, new int[] {1}),
                        new Op(3, "linear", ops.get(3).durationNs(), new int[] {0}, new int[] {2}, NONE),
                        new Op(4, "relu", ops.get(4).durationNs(), NONE, new int[] {3}, NONE),
                        new Op(5, "sum", 200, new int[] {2, 3}, NONE, new int[] {2, 3})));
        assertEquals(expected, trace);
        assertTrue(ops.get(3).durationNs() >= ops.get(4).durationNs(), "the outer op lasts at least the inner");
        assertEquals(trace, recorder.toTrace(), "toTrace leaves the recorder as it was");
    }

    @Test
    void threadsRecordingAtOnceKeepEachOpsTensors() throws Exception {
        int threads = 4;
        int opsPerThread = 2000;
        Recorder recorder = new Recorder(SOURCE);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<int[]>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            results.add(pool.submit(() -> {
                // Op i uses the weight and the output of op i - 1, allocates a new output and
                // frees the previous one: after it ends (live), or as part of it (whole).
                int weight = recorder.registerTensor("t" + thread + ".weight", 64, TensorKind.PARAMETER, true, true);
                int[] outputs = new int[opsPerThread];
                int[] uses = new int[2];
                int[] allocs = new int[1];
                start.await();
                for (int i = 0; i < opsPerThread; i++) {
                    outputs[i] = recorder.registerTensor("t" + thread + ".op" + i + ".out0", 32,
                            TensorKind.ACTIVATION, false, true);
                    uses[0] = weight;
                    uses[1] = i == 0 ? weight : outputs[i - 1];
                    allocs[0] = outputs[i];
                    String name = "t" + thread + "." + i;
                    if (i % 2 == 0) {
                        int op = recorder.beginOp(name, uses);
                        recorder.endOp(op, allocs);
                        if (i > 0) {
                            recorder.free(outputs[i - 1]);
                        }
                    } else {
                        recorder.recordOp(name, 10, uses, allocs, new int[] {outputs[i - 1]});
                    }
                }
                int[] weightAndOutputs = new int[opsPerThread + 1];
                weightAndOutputs[0] = weight;
                System.arraycopy(outputs, 0, weightAndOutputs, 1, opsPerThread);
                return weightAndOutputs;
            }));
        }
        start.countDown();
        List<int[]> tensorsByThread = new ArrayList<>();
        for (Future<int[]> result : results) {
            tensorsByThread.add(result.get());
        }
        pool.shutdown();

        Trace trace = recorder.toTrace();
        assertEquals(threads * opsPerThread, trace.ops().size());
        Map<Integer, Integer> freedAt = new HashMap<>();
        Map<String, Integer> opByName = new HashMap<>();
        for (Op op : trace.ops()) {
            opByName.put(op.name(), op.index());
            for (int id : op.frees()) {
                assertEquals(null, freedAt.put(id, op.index()), "tensor " + id + " freed twice");
            }
        }
        for (int t = 0; t < threads; t++) {
            int[] tensors = tensorsByThread.get(t);
            int weight = tensors[0];
            int previousOp = -1;
            for (int i = 0; i < opsPerThread; i++) {
                int index = opByName.get("t" + t + "." + i);
                assertTrue(index > previousOp, "a thread's ops keep their order");
                Op op = trace.ops().get(index);
                int[] expectedUses = {weight, i == 0 ? weight : tensors[i]};
                assertEquals(Arrays.toString(expectedUses), Arrays.toString(op.uses()), op.toString());
                assertEquals(Arrays.toString(new int[] {tensors[i + 1]}), Arrays.toString(op.allocs()), op.toString());
                if (i > 0) {
                    int freeOp = freedAt.get(tensors[i]);
                    if (i % 2 == 1) {
                        assertEquals(index, freeOp, "a whole op's free lands on it");
                    } else {
                        // Freed after op i ended, before this thread began op i + 1.
                        assertTrue(freeOp >= index, "free of " + tensors[i] + " at " + freeOp + " before op " + index);
                        if (i + 1 < opsPerThread) {
                            assertTrue(freeOp < opByName.get("t" + t + "." + (i + 1)));
                        }
                    }
                }
                previousOp = index;
            }
        }
    }

    @Test
    void rejectsBadArgumentsWithClearMessagesAndRecordsNothing() {
        Recorder recorder = new Recorder(SOURCE);
        int tensor = recorder.registerTensor("x", 16, TensorKind.ACTIVATION, false, true);

        assertMessage("registerTensor: key is null",
                () -> recorder.registerTensor(null, 16, TensorKind.ACTIVATION, false, true));
        assertMessage("registerTensor y: bytes must be positive, got 0",
                () -> recorder.registerTensor("y", 0, TensorKind.ACTIVATION, false, true));
        assertMessage("registerTensor y: kind is null", () -> recorder.registerTensor("y", 8, null, false, true));
        assertMessage("recordOp relu: durationNs must not be negative, got -1",
                () -> recorder.recordOp("relu", -1, null, null, null));
        assertMessage("recordOp relu: uses unknown tensor 7 (tensors registered: 1)",
                () -> recorder.recordOp("relu", 1, new int[] {tensor, 7}, null, null));
        assertMessage("recordOp relu: allocates unknown tensor -1 (tensors registered: 1)",
                () -> recorder.recordOp("relu", 1, null, new int[] {-1}, null));
        assertMessage("recordOp relu: frees unknown tensor 1 (tensors registered: 1)",
                () -> recorder.recordOp("relu", 1, null, null, new int[] {1}));
        assertMessage("beginOp: name is null", () -> recorder.beginOp(null, null));
        assertMessage("beginOp relu: uses unknown tensor 3 (tensors registered: 1)",
                () -> recorder.beginOp("relu", new int[] {3}));
        assertMessage("endOp: unknown op 0 (0 ops begun)", () -> recorder.endOp(0, null));
        assertEquals(0, recorder.opCount(), "rejected calls record no op");

        int op = recorder.beginOp("relu", new int[] {tensor});
        assertMessage("endOp relu: allocates unknown tensor 5 (tensors registered: 1)",
                () -> recorder.endOp(op, new int[] {5}));
        recorder.endOp(op, new int[] {tensor});
        assertMessage("endOp: op 0 (relu) has already ended", () -> recorder.endOp(op, null));
        assertMessage("endOp: unknown op 1 (1 ops begun)", () -> recorder.endOp(1, null));
        assertMessage("free: unknown tensor 2 (tensors registered: 1)", () -> recorder.free(2));
        assertEquals(1, recorder.opCount());
    }

    @Test
    void freeBeforeAnyOpIsAnError() {
        Recorder recorder = new Recorder(SOURCE);
        int tensor = recorder.registerTensor("x", 16, TensorKind.ACTIVATION, false, true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> recorder.free(tensor));
        assertEquals("free: tensor 0 freed before any op began", e.getMessage());
    }

    @Test
    void endIterationNeedsOpsSinceTheLastOne() {
        Recorder recorder = new Recorder(SOURCE);
        IllegalStateException none = assertThrows(IllegalStateException.class, recorder::endIteration);
        assertEquals("endIteration: no ops since the start", none.getMessage());

        recorder.recordOp("step", 5, null, null, null);
        recorder.endIteration();
        IllegalStateException again = assertThrows(IllegalStateException.class, recorder::endIteration);
        assertEquals("endIteration: no ops since the end of iteration 0", again.getMessage());
        assertEquals(1, recorder.iterationCount());
        assertEquals(List.of(new Iteration(0, 0, 1)), recorder.toTrace().iterations());
    }

    @Test
    void toTraceNeedsOpsAndEveryOpEnded() {
        Recorder recorder = new Recorder(SOURCE);
        IllegalStateException empty = assertThrows(IllegalStateException.class, recorder::toTrace);
        assertEquals("toTrace: no ops recorded", empty.getMessage());

        recorder.recordOp("load", 5, null, null, null);
        int open = recorder.beginOp("linear", null);
        IllegalStateException notEnded = assertThrows(IllegalStateException.class, recorder::toTrace);
        assertEquals("toTrace: 1 op(s) begun but not ended, the first is op 1 (linear)", notEnded.getMessage());

        recorder.endOp(open, null);
        assertEquals(2, recorder.toTrace().ops().size());
    }

    @Test
    void toTraceChecksTheTraceRules() {
        Recorder recorder = new Recorder(SOURCE);
        int out = recorder.registerTensor("op0.out0", 8192, TensorKind.ACTIVATION, false, true);
        recorder.recordOp("linear", 10, null, new int[] {out}, new int[] {out});
        recorder.recordOp("relu", 10, new int[] {out}, null, null);
        TraceFormatException e = assertThrows(TraceFormatException.class, recorder::toTrace);
        assertEquals("recorder: /ops/1/uses/0: op 1 (relu) uses tensor 0 (op0.out0) after op 0 (linear) freed it",
                e.getMessage());
    }

    @Test
    void writeProducesAFileThatReadsBackEqual(@TempDir Path dir) {
        Recorder recorder = new Recorder(SOURCE);
        int weight = recorder.registerTensor("layer0.weight", 4096, TensorKind.PARAMETER, true, true);
        int out = recorder.registerTensor("op0.out0", 8192, TensorKind.ACTIVATION, false, true);
        int op = recorder.beginOp("linear", new int[] {weight, out});
        recorder.endOp(op, new int[] {out});
        recorder.free(out);
        recorder.endIteration();
        Path file = dir.resolve("trace.json.gz");
        recorder.write(file);
        assertEquals(recorder.toTrace(), TraceReader.read(file));
    }

    private static void assertMessage(String expected, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(expected, e.getMessage());
    }
}
