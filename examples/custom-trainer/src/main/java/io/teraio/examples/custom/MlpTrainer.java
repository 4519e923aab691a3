package io.teraio.examples.custom;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.core.session.TensorHandle;
import io.teraio.core.session.TeraioSession;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.trace.TensorKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A trainer that owns its tensors and embeds teraio: an {@link MlpSpec} MLP whose
 * parameters are persistent tensors of a {@link TeraioSession} (kept resident) and whose
 * activations are tensors the ops allocate (offloadable). Forward saves every layer's output
 * for backward, so between its forward op and its backward op an activation sits idle: that
 * is what the session's plan moves to SSD after forward and brings back before backward.
 *
 * <p>A step is the ops {@code data}, {@code fwd0..fwd<L-1>}, {@code loss}, then from the
 * last layer down {@code bwd<l>.relu} (the gradient through the ReLU, in place; not for the
 * last layer) and {@code bwd<l>} (weight, bias and input gradients, and the SGD update of the
 * layer), then the end of the iteration. Compute runs on the CPU ({@link CpuKernels}) against buffers of the session's
 * device memory, acquired in the op that uses them. Not thread-safe; closing closes the session.
 */
public final class MlpTrainer implements AutoCloseable {
    private final MlpSpec spec;
    private final TeraioSession session;
    private final TensorHandle[] params;
    private final float[] teacher;
    private final List<Float> losses = new ArrayList<>();
    private final List<Long> stepNanos = new ArrayList<>();

    // scratch the CPU kernels compute in (sized for the largest operand)
    private final float[] in;
    private final float[] out;
    private final float[] grad;
    private final float[] weights;
    private final float[] weightsT;
    private final float[] gradW;

    private MlpTrainer(MlpSpec spec, TeraioSession session) {
        this.spec = spec;
        this.session = session;
        int widest = Math.max(spec.inputs(), Math.max(spec.hidden(), spec.outputs()));
        int widestParams = 0;
        for (int l = 0; l < spec.layers(); l++) {
            widestParams = Math.max(widestParams, spec.paramFloats(l));
        }
        in = new float[spec.batch() * widest];
        out = new float[spec.batch() * widest];
        grad = new float[spec.batch() * widest];
        weights = new float[widestParams];
        weightsT = new float[widestParams];
        gradW = new float[widestParams];
        Random random = new Random(spec.seed());
        teacher = new float[spec.inputs() * spec.outputs()];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = (float) (2 * random.nextGaussian() / Math.sqrt(spec.inputs()));
        }
        params = new TensorHandle[spec.layers()];
        for (int l = 0; l < spec.layers(); l++) {
            params[l] = session.register("layer" + l + ".params", bytes(spec.paramFloats(l)), TensorKind.PARAMETER,
                    false);
            int fanIn = spec.inDim(l);
            double std = Math.sqrt((l == spec.layers() - 1 ? 1.0 : 2.0) / fanIn);
            int n = spec.paramFloats(l);
            int biasAt = fanIn * spec.outDim(l);
            for (int i = 0; i < n; i++) {
                weights[i] = i < biasAt ? (float) (std * random.nextGaussian()) : 0f;
            }
            CpuKernels.write(session.acquire(params[l]), weights, n);
        }
    }

    /**
     * A trainer of a new model, with its session opened on {@code config} and {@code options}.
     *
     * @throws io.teraio.core.TeraioException when the session cannot be opened or the
     *         parameters do not fit the device memory
     */
    public static MlpTrainer open(MlpSpec spec, TeraioConfig config, SessionOptions options) {
        TeraioSession session = TeraioSession.open(config, options);
        try {
            return new MlpTrainer(spec, session);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** Trains one step on the next batch; returns its loss (before the update). */
    public float step() {
        long start = System.nanoTime();
        int b = spec.batch();
        int layers = spec.layers();
        TensorHandle[] acts = new TensorHandle[layers + 1];

        session.beginOp("data");
        acts[0] = session.allocate(bytes(b * spec.inputs()), TensorKind.ACTIVATION);
        TensorHandle target = session.allocate(bytes(b * spec.outputs()), TensorKind.OTHER);
        batch(losses.size(), acts[0], target);
        session.endOp();

        for (int l = 0; l < layers; l++) {
            session.beginOp("fwd" + l, params[l], acts[l]);
            acts[l + 1] = session.allocate(bytes(b * spec.outDim(l)), TensorKind.ACTIVATION);
            CpuKernels.read(session.acquire(acts[l]), in, b * spec.inDim(l));
            CpuKernels.read(session.acquire(params[l]), weights, spec.paramFloats(l));
            CpuKernels.linear(in, weights, out, b, spec.inDim(l), spec.outDim(l));
            if (l < layers - 1) {
                CpuKernels.relu(out, b * spec.outDim(l));
            }
            CpuKernels.write(session.acquire(acts[l + 1]), out, b * spec.outDim(l));
            session.endOp();
        }

        session.beginOp("loss", acts[layers], target);
        TensorHandle dOut = session.allocate(bytes(b * spec.outputs()), TensorKind.GRADIENT);
        float loss = mseLoss(session.acquire(acts[layers]), session.acquire(target), session.acquire(dOut));
        session.free(target);
        session.free(acts[layers]);
        session.endOp();

        TensorHandle dNext = dOut;
        for (int l = layers - 1; l >= 0; l--) {
            int k = spec.inDim(l);
            int n = spec.outDim(l);
            if (l < layers - 1) {
                // through the ReLU, in place: the gradient of this layer's pre-activation
                session.beginOp("bwd" + l + ".relu", dNext, acts[l + 1]);
                CpuKernels.read(session.acquire(dNext), grad, b * n);
                CpuKernels.read(session.acquire(acts[l + 1]), out, b * n);
                CpuKernels.reluBackward(grad, out, b * n);
                CpuKernels.write(session.acquire(dNext), grad, b * n);
                session.free(acts[l + 1]);
                session.endOp();
            }
            session.beginOp("bwd" + l, params[l], acts[l], dNext);
            CpuKernels.read(session.acquire(dNext), grad, b * n);
            CpuKernels.read(session.acquire(acts[l]), in, b * k);
            CpuKernels.read(session.acquire(params[l]), weights, spec.paramFloats(l));
            TensorHandle dParams = session.allocate(bytes(spec.paramFloats(l)), TensorKind.GRADIENT);
            CpuKernels.linearGrad(in, grad, gradW, b, k, n);
            CpuKernels.write(session.acquire(dParams), gradW, spec.paramFloats(l));
            session.free(dNext);
            if (l > 0) {
                dNext = session.allocate(bytes(b * k), TensorKind.GRADIENT);
                CpuKernels.inputGrad(grad, weights, weightsT, in, b, k, n);
                CpuKernels.write(session.acquire(dNext), in, b * k);
            } else {
                session.free(acts[0]); // the others go in bwd<l-1>.relu, which needs them for the mask
            }
            CpuKernels.sgd(weights, gradW, spec.learningRate(), spec.paramFloats(l));
            CpuKernels.write(session.acquire(params[l]), weights, spec.paramFloats(l));
            session.free(dParams);
            session.endOp();
        }
        session.endIteration();
        losses.add(loss);
        stepNanos.add(System.nanoTime() - start);
        return loss;
    }

    /** Fills the inputs of step {@code step} (standard normal) and their targets, {@code tanh(x . teacher)}. */
    private void batch(int step, TensorHandle x, TensorHandle y) {
        int b = spec.batch();
        Random random = new Random(spec.seed() * 1_000_003L + step);
        int n = b * spec.inputs();
        for (int i = 0; i < n; i++) {
            in[i] = (float) random.nextGaussian();
        }
        CpuKernels.write(session.acquire(x), in, n);
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
        CpuKernels.write(session.acquire(y), out, b * outs);
    }

    /** Mean squared error of {@code prediction} against {@code target}; writes its gradient to {@code dOut}. */
    private float mseLoss(DeviceBuffer prediction, DeviceBuffer target, DeviceBuffer dOut) {
        int n = spec.batch() * spec.outputs();
        CpuKernels.read(prediction, out, n);
        CpuKernels.read(target, in, n);
        double sum = 0;
        float scale = 2f / n;
        for (int i = 0; i < n; i++) {
            float diff = out[i] - in[i];
            sum += (double) diff * diff;
            grad[i] = scale * diff;
        }
        CpuKernels.write(dOut, grad, n);
        return (float) (sum / n);
    }

    private static long bytes(int floats) {
        return (long) floats * Float.BYTES;
    }

    public MlpSpec spec() {
        return spec;
    }

    public TeraioSession session() {
        return session;
    }

    /** The loss of every step so far. */
    public List<Float> losses() {
        return List.copyOf(losses);
    }

    /** The wall time of every step so far. */
    public List<Long> stepNanos() {
        return List.copyOf(stepNanos);
    }

    public SessionStats stats() {
        return session.stats();
    }

    /** Closes the session: frees every tensor and deletes the offload files. Idempotent. */
    @Override
    public void close() {
        session.close();
    }
}
