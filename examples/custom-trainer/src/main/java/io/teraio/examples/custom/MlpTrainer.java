package io.teraio.examples.custom;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.core.session.TensorHandle;
import io.teraio.core.session.TeraioSession;
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
 * layer), then the end of the iteration. Compute runs on a {@link ComputeBackend}: the CPU
 * ({@link CpuKernels}) or a GPU ({@link CudaKernels}), against buffers of the session's device
 * memory acquired in the op that uses them. Not thread-safe; closing closes the session.
 */
public final class MlpTrainer implements AutoCloseable {
    private final MlpSpec spec;
    private final TeraioSession session;
    private final Kernels kernels;
    private final String compute;
    private final TensorHandle[] params;
    private final float[] teacher;
    private final List<Float> losses = new ArrayList<>();
    private final List<Long> stepNanos = new ArrayList<>();

    // host arrays the batches, the initial weights and the loss's row sums pass through
    private final float[] in;
    private final float[] out;

    private MlpTrainer(MlpSpec spec, TeraioSession session, Kernels kernels, String compute) {
        this.spec = spec;
        this.session = session;
        this.kernels = kernels;
        this.compute = compute;
        int widestParams = 0;
        for (int l = 0; l < spec.layers(); l++) {
            widestParams = Math.max(widestParams, spec.paramFloats(l));
        }
        in = new float[Math.max(spec.batch() * spec.inputs(), widestParams)];
        out = new float[spec.batch() * spec.outputs()];
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
                in[i] = i < biasAt ? (float) (std * random.nextGaussian()) : 0f;
            }
            CpuKernels.write(session.acquire(params[l]), in, n);
        }
    }

    /**
     * A trainer of a new model computing on the CPU, with its session opened on {@code config}
     * and {@code options}.
     *
     * @throws io.teraio.core.TeraioException when the session cannot be opened or the
     *         parameters do not fit the device memory
     */
    public static MlpTrainer open(MlpSpec spec, TeraioConfig config, SessionOptions options) {
        return open(spec, config, options, ComputeBackend.CPU);
    }

    /**
     * A trainer of a new model computing with {@code compute} on the configuration's
     * {@code device}, with its session opened on {@code config} and {@code options}.
     *
     * @throws io.teraio.core.TeraioException when the backend cannot compute ({@code cuda}
     *         without a GPU, naming why), {@code cuda} with a {@code memory} other than
     *         {@code cuda}, the session cannot be opened, or the parameters do not fit the device memory
     */
    public static MlpTrainer open(MlpSpec spec, TeraioConfig config, SessionOptions options, ComputeBackend compute) {
        if (compute == ComputeBackend.CUDA && !config.memory().equals(compute.memory())) {
            throw new TeraioException("compute cuda computes on CUDA device memory: set memory=cuda, got memory="
                    + config.memory());
        }
        return open(spec, config, options, compute.open(config.device()), compute.id());
    }

    /** A trainer computing with {@code kernels} (closed with it, or here when opening fails). */
    static MlpTrainer open(MlpSpec spec, TeraioConfig config, SessionOptions options, Kernels kernels,
                           String compute) {
        TeraioSession session;
        try {
            session = TeraioSession.open(config, options);
        } catch (RuntimeException e) {
            kernels.close();
            throw e;
        }
        try {
            return new MlpTrainer(spec, session, kernels, compute);
        } catch (RuntimeException e) {
            session.close();
            kernels.close();
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
            kernels.linear(session.acquire(acts[l]), session.acquire(params[l]), session.acquire(acts[l + 1]), b,
                    spec.inDim(l), spec.outDim(l), l < layers - 1);
            session.endOp();
        }

        session.beginOp("loss", acts[layers], target);
        TensorHandle dOut = session.allocate(bytes(b * spec.outputs()), TensorKind.GRADIENT);
        TensorHandle rowSums = session.allocate(bytes(b), TensorKind.OTHER);
        kernels.mse(session.acquire(acts[layers]), session.acquire(target), session.acquire(dOut),
                session.acquire(rowSums), b, spec.outputs());
        CpuKernels.read(session.acquire(rowSums), out, b);
        float loss = Kernels.loss(out, b, b * spec.outputs());
        session.free(rowSums);
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
                kernels.reluBackward(session.acquire(dNext), session.acquire(acts[l + 1]), b * n);
                session.free(acts[l + 1]);
                session.endOp();
            }
            session.beginOp("bwd" + l, params[l], acts[l], dNext);
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
            kernels.sgd(session.acquire(params[l]), session.acquire(dParams), spec.learningRate(),
                    spec.paramFloats(l));
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

    /** The compute backend: {@code cpu} or {@code cuda}. */
    public String compute() {
        return compute;
    }

    public SessionStats stats() {
        return session.stats();
    }

    /** Closes the session (frees every tensor and deletes the offload files), then the kernels. Idempotent. */
    @Override
    public void close() {
        try {
            session.close();
        } finally {
            kernels.close();
        }
    }
}
