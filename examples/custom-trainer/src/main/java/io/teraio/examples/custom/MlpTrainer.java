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
 * <p>A step is the ops of one {@link MlpPass} over the batch, the SGD update of each layer
 * in its op {@code bwd<l>}, then the end of the iteration. Compute runs on a {@link ComputeBackend}: the CPU
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
        teacher = MlpPass.teacher(spec, random);
        params = new TensorHandle[spec.layers()];
        for (int l = 0; l < spec.layers(); l++) {
            params[l] = session.register("layer" + l + ".params", MlpPass.bytes(spec.paramFloats(l)),
                    TensorKind.PARAMETER, false);
            MlpPass.initialParams(spec, l, random, in);
            CpuKernels.write(session.acquire(params[l]), in, spec.paramFloats(l));
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
        int step = losses.size();
        MlpPass.run(spec, session, kernels, params, b, "", (x, y) -> {
            MlpPass.batch(spec, teacher, step, in, out);
            CpuKernels.write(session.acquire(x), in, b * spec.inputs());
            CpuKernels.write(session.acquire(y), out, b * spec.outputs());
        }, out, 0, (l, dParams) -> kernels.sgd(session.acquire(params[l]), session.acquire(dParams),
                spec.learningRate(), spec.paramFloats(l)));
        float loss = Kernels.loss(out, b, b * spec.outputs());
        session.endIteration();
        losses.add(loss);
        stepNanos.add(System.nanoTime() - start);
        return loss;
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
