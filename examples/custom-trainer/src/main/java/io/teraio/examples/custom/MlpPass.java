package io.teraio.examples.custom;

import io.teraio.core.session.TensorHandle;
import io.teraio.core.session.TeraioSession;
import io.teraio.core.trace.TensorKind;
import java.util.Random;

/**
 * What {@link MlpTrainer} and {@link DataParallelTrainer} share: the model's initial weights,
 * its synthetic batches, and one forward and backward pass over {@code rows} samples in a
 * session's ops.
 *
 * <p>A pass is the ops {@code data}, {@code fwd0..fwd<L-1>}, {@code loss}, then from the last
 * layer down {@code bwd<l>.relu} (the gradient through the ReLU, in place; not for the last
 * layer) and {@code bwd<l>} (weight, bias and input gradients; then what the caller does with
 * the layer's gradient, inside that op), each name followed by a suffix the caller gives.
 */
final class MlpPass {
    /** What a pass does with layer {@code l}'s gradient, in op {@code bwd<l>}, before it is freed. */
    interface LayerGradient {
        void accept(int layer, TensorHandle gradient);
    }

    /** Fills a pass's inputs ({@code rows x inputs}) and targets ({@code rows x outputs}), in the {@code data} op. */
    interface Batch {
        void fill(TensorHandle inputs, TensorHandle targets);
    }

    private MlpPass() {
    }

    /** The fixed random teacher the targets come from: the first draws of {@code random}. */
    static float[] teacher(MlpSpec spec, Random random) {
        float[] teacher = new float[spec.inputs() * spec.outputs()];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = (float) (2 * random.nextGaussian() / Math.sqrt(spec.inputs()));
        }
        return teacher;
    }

    /** Layer {@code l}'s initial parameters into {@code dst}: He-scaled normal weights (the last layer's unscaled by 2), zero bias. */
    static void initialParams(MlpSpec spec, int l, Random random, float[] dst) {
        int fanIn = spec.inDim(l);
        double std = Math.sqrt((l == spec.layers() - 1 ? 1.0 : 2.0) / fanIn);
        int n = spec.paramFloats(l);
        int biasAt = fanIn * spec.outDim(l);
        for (int i = 0; i < n; i++) {
            dst[i] = i < biasAt ? (float) (std * random.nextGaussian()) : 0f;
        }
    }

    /**
     * The batch of step {@code step}, all {@code spec.batch()} samples: inputs (standard
     * normal) into {@code in}, their targets {@code tanh(x . teacher)} into {@code out}.
     */
    static void batch(MlpSpec spec, float[] teacher, int step, float[] in, float[] out) {
        int b = spec.batch();
        Random random = new Random(spec.seed() * 1_000_003L + step);
        int n = b * spec.inputs();
        for (int i = 0; i < n; i++) {
            in[i] = (float) random.nextGaussian();
        }
        int outs = spec.outputs();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < outs; j++) {
                float sum = 0f;
                for (int p = 0; p < spec.inputs(); p++) {
                    sum += in[i * spec.inputs() + p] * teacher[p * outs + j];
                }
                out[i * outs + j] = (float) Math.tanh(sum);
            }
        }
    }

    /**
     * One forward and backward pass over {@code rows} samples: the loss's row sums (each row's
     * sum of squared differences) go to {@code rowSums} from {@code rowOffset}, each layer's
     * gradient to {@code gradient}.
     */
    static void run(MlpSpec spec, TeraioSession session, Kernels kernels, TensorHandle[] params, int rows,
                    String suffix, Batch batch, float[] rowSums, int rowOffset, LayerGradient gradient) {
        int b = rows;
        int layers = spec.layers();
        TensorHandle[] acts = new TensorHandle[layers + 1];

        session.beginOp("data" + suffix);
        acts[0] = session.allocate(bytes(b * spec.inputs()), TensorKind.ACTIVATION);
        TensorHandle target = session.allocate(bytes(b * spec.outputs()), TensorKind.OTHER);
        batch.fill(acts[0], target);
        session.endOp();

        for (int l = 0; l < layers; l++) {
            session.beginOp("fwd" + l + suffix, params[l], acts[l]);
            acts[l + 1] = session.allocate(bytes(b * spec.outDim(l)), TensorKind.ACTIVATION);
            kernels.linear(session.acquire(acts[l]), session.acquire(params[l]), session.acquire(acts[l + 1]), b,
                    spec.inDim(l), spec.outDim(l), l < layers - 1);
            session.endOp();
        }

        session.beginOp("loss" + suffix, acts[layers], target);
        TensorHandle dOut = session.allocate(bytes(b * spec.outputs()), TensorKind.GRADIENT);
        TensorHandle sums = session.allocate(bytes(b), TensorKind.OTHER);
        kernels.mse(session.acquire(acts[layers]), session.acquire(target), session.acquire(dOut),
                session.acquire(sums), b, spec.outputs());
        CpuKernels.read(session.acquire(sums), rowSums, rowOffset, b);
        session.free(sums);
        session.free(target);
        session.free(acts[layers]);
        session.endOp();

        TensorHandle dNext = dOut;
        for (int l = layers - 1; l >= 0; l--) {
            int k = spec.inDim(l);
            int n = spec.outDim(l);
            if (l < layers - 1) {
                // through the ReLU, in place: the gradient of this layer's pre-activation
                session.beginOp("bwd" + l + ".relu" + suffix, dNext, acts[l + 1]);
                kernels.reluBackward(session.acquire(dNext), session.acquire(acts[l + 1]), b * n);
                session.free(acts[l + 1]);
                session.endOp();
            }
            session.beginOp("bwd" + l + suffix, params[l], acts[l], dNext);
            TensorHandle dParams = session.allocate(bytes(spec.paramFloats(l)), TensorKind.GRADIENT);
            kernels.linearGrad(session.acquire(acts[l]), session.acquire(dNext), session.acquire(dParams), b, k, n);
            if (l > 0) {
                TensorHandle dIn = session.allocate(bytes(b * k), TensorKind.GRADIENT);
                kernels.inputGrad(session.acquire(dNext), session.acquire(params[l]), session.acquire(dIn), b, k, n);
                session.free(dNext);
                dNext = dIn;
            } else {
                session.free(dNext);
                session.free(acts[0]); // the others go in bwd<l-1>.relu, which needs them for the mask
            }
            gradient.accept(l, dParams);
            session.free(dParams);
            session.endOp();
        }
    }

    static long bytes(int floats) {
        return (long) floats * Float.BYTES;
    }
}
