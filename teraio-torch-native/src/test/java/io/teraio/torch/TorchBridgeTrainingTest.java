package io.teraio.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Four AdamW steps of a two-layer network ({@code tanh(x w1) w2}, squared error), trained
 * three ways in this JVM: plainly; with every input, weight and saved activation evicted after
 * the forward pass and restored before backward, and backward hooks on four op outputs; and
 * evicted, then each storage restored only in the hook of the op whose backward node needs it
 * (as the runtime will). Losses, gradients and final weights are the same to the bit; the
 * hooks fire in reverse op order, on the thread that called backward.
 */
class TorchBridgeTrainingTest {
    private static final int STEPS = 4;
    /** A 64 KiB staging buffer: the bytes go through it to a "disk" of heap arrays, never in one piece. */
    private static final int STAGING_BYTES = 64 * 1024;

    private enum Mode { PLAIN, EVICT_THEN_RESTORE, RESTORE_IN_HOOKS }

    /** What a run leaves: float bits of the losses, the gradients of every step, the final weights; the hook calls. */
    private record Result(List<String> bits, List<String> hookCalls) {
    }

    @Test
    void evictingAndRestoringBetweenForwardAndBackwardChangesNoBitAndHooksFireInReverseOpOrder() {
        assertEquals(true, TorchBridge.availability().available(), TorchBridge.availability().reason());
        Result plain = train(Mode.PLAIN);
        Result evicted = train(Mode.EVICT_THEN_RESTORE);
        Result inHooks = train(Mode.RESTORE_IN_HOOKS);
        assertEquals(STEPS * 3 + 2, plain.bits().size());
        assertEquals(plain.bits(), evicted.bits(), "evict and restore (with hooks) must not change a bit");
        assertEquals(plain.bits(), inHooks.bits(), "restoring in the hooks must not change a bit");
        List<String> oneStep = List.of("3 caller", "2 caller", "1 caller", "0 caller");
        List<String> expected = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            expected.addAll(oneStep);
        }
        assertEquals(expected, evicted.hookCalls(), "one call per hooked op, reverse op order, on the caller's thread");
        assertEquals(expected, inHooks.hookCalls());
    }

    private static Result train(Mode mode) {
        TorchBridge bridge = TorchBridge.load();
        List<String> bits = new ArrayList<>();
        List<String> hookCalls = new ArrayList<>();
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager m = engine.newBaseManager(Device.cpu())) {
            NDArray x = m.arange(0f, 64f * 256).reshape(64, 256).mul(0.013f).sin();
            NDArray target = m.arange(0f, 64f * 16).reshape(64, 16).mul(0.07f).cos();
            NDArray w1 = m.arange(0f, 256f * 128).reshape(256, 128).mul(0.0007f).sin().mul(0.1f);
            NDArray w2 = m.arange(0f, 128f * 16).reshape(128, 16).mul(0.003f).cos().mul(0.1f);
            w1.setRequiresGradient(true);
            w2.setRequiresGradient(true);
            Optimizer adamw = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.01f)).build();
            Thread caller = Thread.currentThread();
            ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES);
            for (int step = 0; step < STEPS; step++) {
                try (GradientCollector gc = engine.newGradientCollector()) {
                    NDArray h1 = x.matMul(w1);        // op 0; its backward needs x and w1
                    NDArray a1 = h1.tanh();            // op 1; needs a1 (its output)
                    NDArray out = a1.matMul(w2);       // op 2; needs a1 and w2
                    NDArray diff = out.sub(target);    // op 3
                    NDArray loss = diff.square().mean();
                    Map<Long, List<NDArray>> needs = Map.of(0L, List.of(x, w1), 1L, List.of(a1),
                            2L, List.of(a1, w2), 3L, List.of());
                    Map<NDArray, Evicted> disk = new HashMap<>();
                    if (mode != Mode.PLAIN) {
                        for (NDArray a : List.of(x, w1, a1, w2)) {
                            disk.put(a, evict(bridge.storage(a), staging));
                        }
                        if (mode == Mode.EVICT_THEN_RESTORE) {
                            for (NDArray a : List.of(x, w1, a1, w2)) {
                                disk.remove(a).restore(staging);
                            }
                        }
                        NDArray[] hooked = {h1, a1, out, diff};
                        for (int op = 0; op < hooked.length; op++) {
                            bridge.registerHook(hooked[op], op, id -> {
                                hookCalls.add(id + (Thread.currentThread() == caller ? " caller" : " other"));
                                for (NDArray a : needs.get(id)) {
                                    Evicted e = disk.remove(a);
                                    if (e != null) {
                                        e.restore(staging);
                                    }
                                }
                            });
                        }
                    }
                    gc.backward(loss);
                    assertEquals(Map.of(), disk, "every evicted storage was restored by its hook");
                    bits.add(Integer.toHexString(Float.floatToRawIntBits(loss.getFloat())));
                    bits.add(floatBits(w1.getGradient()));
                    bits.add(floatBits(w2.getGradient()));
                    adamw.update("w1", w1, w1.getGradient());
                    adamw.update("w2", w2, w2.getGradient());
                    JniUtils.zeroGrad((PtNDArray) w1);
                    JniUtils.zeroGrad((PtNDArray) w2);
                }
            }
            bits.add(floatBits(w1));
            bits.add(floatBits(w2));
        }
        return new Result(bits, hookCalls);
    }

    /** An evicted storage, its handle kept open until it is restored, and its bytes on a "disk". */
    private record Evicted(TorchStorage storage, byte[] disk) {
        void restore(ByteBuffer staging) {
            try (storage) {
                storage.allocate();
                for (int at = 0; at < disk.length; at += staging.capacity()) {
                    int n = Math.min(staging.capacity(), disk.length - at);
                    staging.clear().put(disk, at, n).flip();
                    storage.copyFromHost(at, staging);
                }
                storage.restored();
            }
        }
    }

    /** Streams the storage's bytes out through {@code staging}, then frees it. */
    private static Evicted evict(TorchStorage s, ByteBuffer staging) {
        byte[] disk = new byte[Math.toIntExact(s.bytes())];
        for (int at = 0; at < disk.length; at += staging.capacity()) {
            int n = Math.min(staging.capacity(), disk.length - at);
            s.copyToHost(at, staging.clear().limit(n));
            staging.flip().get(disk, at, n);
        }
        assertEquals(disk.length, s.release());
        return new Evicted(s, disk);
    }

    private static String floatBits(NDArray a) {
        float[] f = a.toFloatArray();
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return Integer.toHexString(Arrays.hashCode(b)) + "/" + f.length + "/" + Arrays.toString(Arrays.copyOf(b, 4));
    }
}
