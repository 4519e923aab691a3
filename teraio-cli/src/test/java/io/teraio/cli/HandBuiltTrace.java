package io.teraio.cli;

import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;

/**
 * A small training job recorded by hand: two iterations of forward, loss, backward and an
 * optimizer step, short enough that what the commands say of it can be worked out by hand.
 */
public final class HandBuiltTrace {
    public static final long FWD_NS = 2_000_000;
    public static final long LOSS_NS = 500_000;
    public static final long BWD_NS = 4_000_000;
    public static final long ADAM_NS = 15_000_000;

    private HandBuiltTrace() {
    }

    /**
     * Tensors: 0 weight (4000 B), 1 Adam state (8000 B), 2 an EMA copy of the weights touched
     * only in the second step (16000 B), all persistent; 3 and 4 the activation of iteration
     * 0 and 1 (2000 B each).
     */
    public static Trace record() {
        Recorder rec = new Recorder(new TraceSource("test", "hand-built", "tiny-mlp", "cpu"));
        int w = rec.registerTensor("layer0.weight", 4000, TensorKind.PARAMETER, true, true);
        int m = rec.registerTensor("layer0.weight.adam.m", 8000, TensorKind.OPTIMIZER_STATE, true, true);
        int ema = rec.registerTensor("layer0.weight.ema", 16000, TensorKind.OTHER, true, true);
        for (int iteration = 0; iteration < 2; iteration++) {
            int act = rec.registerTensor("op0.out0", 2000, TensorKind.ACTIVATION, false, false);
            rec.recordOp("fwd", FWD_NS, new int[] {w, act}, new int[] {act}, new int[0]);
            rec.recordOp("loss", LOSS_NS, new int[] {act}, new int[0], new int[0]);
            rec.recordOp("bwd", BWD_NS, new int[] {w, act}, new int[0], new int[] {act});
            int[] stepUses = iteration == 0 ? new int[] {w, m} : new int[] {w, m, ema};
            rec.recordOp("adam", ADAM_NS, stepUses, new int[0], new int[0]);
            rec.endIteration();
        }
        return rec.toTrace();
    }
}
