package io.teraio.examples.custom;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.session.DeviceSessions;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.core.session.TensorHandle;
import io.teraio.core.session.TeraioSession;
import io.teraio.core.trace.TensorKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The {@link MlpSpec} MLP trained data-parallel on the devices of a {@link DeviceSessions}:
 * each device holds a replica of the parameters in its own memory, the global batch of
 * {@code spec.batch()} samples is cut into {@code shards} equal shards, dealt to the devices in
 * order (device d trains shards {@code d * shards / devices} up to the next device's), and after
 * every shard's backward pass the layers' gradients are averaged on the host, in shard order,
 * and each replica takes the same SGD update. Each device's session offloads its own
 * activations to its own SSDs.
 *
 * <p>The arithmetic does not depend on how many devices there are: a shard's pass is the same
 * kernels on the same samples on any device, and the host adds the shards' gradients in the
 * same order. So two devices train the same model, bit for bit, as one device that trains the
 * two shards one after the other (gradient accumulation), which is the reference a test holds
 * it to.
 *
 * <p>A device's step is, for each of its shards s, the ops of an {@link MlpPass} suffixed
 * {@code .s<s>} (each layer's gradient read to the host in {@code bwd<l>}), then
 * {@code update<l>} for every layer (the averaged gradient written to the device and applied),
 * then the end of the iteration. Computes on the CPU. Not thread-safe; closing closes the sessions.
 */
public final class DataParallelTrainer implements AutoCloseable {
    private final MlpSpec spec;
    private final int shards;
    private final DeviceSessions devices;
    private final List<Kernels> kernels = new ArrayList<>();
    private final TensorHandle[][] params;
    private final float[] teacher;
    private final List<Float> losses = new ArrayList<>();
    private final List<Long> stepNanos = new ArrayList<>();

    // the global batch, every row's loss sum, the shards' gradients added up, a device's staging
    private final float[] in;
    private final float[] out;
    private final float[] rowSums;
    private final float[][] gradients;
    private final float[] staging;

    private DataParallelTrainer(MlpSpec spec, int shards, DeviceSessions devices) {
        this.spec = spec;
        this.shards = shards;
        this.devices = devices;
        int layers = spec.layers();
        int widestParams = 0;
        gradients = new float[layers][];
        for (int l = 0; l < layers; l++) {
            widestParams = Math.max(widestParams, spec.paramFloats(l));
            gradients[l] = new float[spec.paramFloats(l)];
        }
        in = new float[spec.batch() * spec.inputs()];
        out = new float[spec.batch() * spec.outputs()];
        rowSums = new float[spec.batch()];
        staging = new float[widestParams];
        Random random = new Random(spec.seed());
        teacher = MlpPass.teacher(spec, random);
        params = new TensorHandle[devices.size()][layers];
        for (int d = 0; d < devices.size(); d++) {
            kernels.add(ComputeBackend.CPU.open(d));
        }
        for (int l = 0; l < layers; l++) {
            MlpPass.initialParams(spec, l, random, staging);
            for (int d = 0; d < devices.size(); d++) {
                TeraioSession session = devices.session(d);
                params[d][l] = session.register("layer" + l + ".params", MlpPass.bytes(spec.paramFloats(l)),
                        TensorKind.PARAMETER, false);
                CpuKernels.write(session.acquire(params[d][l]), staging, spec.paramFloats(l));
            }
        }
    }

    /**
     * A trainer of a new model: {@code spec.batch()} samples a step in {@code shards} shards,
     * on a session per device of {@code hardware} ({@link DeviceSessions#open}).
     *
     * @throws IllegalArgumentException when the shards do not divide the batch, or the devices the shards
     * @throws io.teraio.core.TeraioException when the sessions cannot be opened or the parameters do not fit
     */
    public static DataParallelTrainer open(MlpSpec spec, int shards, TeraioConfig base, HardwareProfile hardware,
                                           SessionOptions options) {
        int devices = hardware.devices().size();
        if (shards < 1 || spec.batch() % shards != 0 || shards % devices != 0) {
            throw new IllegalArgumentException("data parallel: " + shards + " shards must divide the batch of "
                    + spec.batch() + " and be a multiple of the " + devices + " devices");
        }
        DeviceSessions sessions = DeviceSessions.open(base, hardware, options);
        try {
            return new DataParallelTrainer(spec, shards, sessions);
        } catch (RuntimeException e) {
            sessions.close();
            throw e;
        }
    }

    /** Trains one step on the next global batch; returns its loss (before the update). */
    public float step() {
        long start = System.nanoTime();
        int step = losses.size();
        int rows = spec.batch() / shards;
        int perDevice = shards / devices.size();
        MlpPass.batch(spec, teacher, step, in, out);
        for (int d = 0; d < devices.size(); d++) {
            TeraioSession session = devices.session(d);
            for (int s = d * perDevice; s < (d + 1) * perDevice; s++) {
                int first = s * rows;
                boolean firstShard = s == 0;
                MlpPass.run(spec, session, kernels.get(d), params[d], rows, ".s" + s, (x, y) -> {
                    CpuKernels.write(session.acquire(x), in, first * spec.inputs(), rows * spec.inputs());
                    CpuKernels.write(session.acquire(y), out, first * spec.outputs(), rows * spec.outputs());
                }, rowSums, first, (l, dParams) -> add(session, l, dParams, firstShard));
            }
        }
        float loss = Kernels.loss(rowSums, spec.batch(), spec.batch() * spec.outputs());
        for (int l = 0; l < spec.layers(); l++) {
            float[] g = gradients[l];
            for (int i = 0; i < g.length; i++) {
                g[i] /= shards;
            }
        }
        for (int d = 0; d < devices.size(); d++) {
            TeraioSession session = devices.session(d);
            Kernels k = kernels.get(d);
            for (int l = 0; l < spec.layers(); l++) {
                session.beginOp("update" + l, params[d][l]);
                TensorHandle g = session.allocate(MlpPass.bytes(spec.paramFloats(l)), TensorKind.GRADIENT);
                CpuKernels.write(session.acquire(g), gradients[l], spec.paramFloats(l));
                k.sgd(session.acquire(params[d][l]), session.acquire(g), spec.learningRate(), spec.paramFloats(l));
                session.free(g);
                session.endOp();
            }
            session.endIteration();
        }
        losses.add(loss);
        stepNanos.add(System.nanoTime() - start);
        return loss;
    }

    /** Adds a shard's gradient of layer {@code l} to the host's sum (the first shard's starts it). */
    private void add(TeraioSession session, int l, TensorHandle dParams, boolean first) {
        int n = spec.paramFloats(l);
        float[] sum = gradients[l];
        if (first) {
            CpuKernels.read(session.acquire(dParams), sum, n);
            return;
        }
        CpuKernels.read(session.acquire(dParams), staging, n);
        for (int i = 0; i < n; i++) {
            sum[i] += staging[i];
        }
    }

    public MlpSpec spec() {
        return spec;
    }

    /** The shards of a global batch. */
    public int shards() {
        return shards;
    }

    /** The devices' sessions. */
    public DeviceSessions devices() {
        return devices;
    }

    /** The loss of every step so far: of the whole global batch. */
    public List<Float> losses() {
        return List.copyOf(losses);
    }

    /** The wall time of every step so far (all devices, one after the other). */
    public List<Long> stepNanos() {
        return List.copyOf(stepNanos);
    }

    /** Every device's stats, in device order. */
    public List<SessionStats> stats() {
        return devices.stats();
    }

    /** Closes the sessions (frees every tensor, deletes the offload files), then the kernels. Idempotent. */
    @Override
    public void close() {
        try {
            devices.close();
        } finally {
            for (Kernels k : kernels) {
                k.close();
            }
        }
    }
}
