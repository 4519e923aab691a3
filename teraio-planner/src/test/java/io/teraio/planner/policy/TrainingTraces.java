package io.teraio.planner.policy;

import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.planner.Workload;
import io.teraio.core.trace.Recorder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small transformer-like training traces for the policy tests, with every model state
 * offloadable (unlike {@code SyntheticWorkload}, whose gradients stay on the device), so that
 * plans can fit at 2x to 6x oversubscription. Two iterations of: {@code load_batch}; per
 * layer four forward ops ({@code qkv}, {@code attention}, {@code proj}, {@code mlp}), each
 * allocating an activation saved for backward and three of them using a weight; {@code loss};
 * per layer in reverse the four backward ops, each using the incoming gradient, the saved
 * input and the weight and its gradient, allocating the outgoing gradient and freeing the
 * incoming one and the saved input; per layer an {@code adam} op using each weight, its
 * gradient and Adam's m and v. Sizes and durations vary by up to 25% with the seed.
 */
final class TrainingTraces {
    private static final String[] FORWARD = {"qkv", "attention", "proj", "mlp"};
    private static final boolean[] HAS_WEIGHT = {true, false, true, true};

    private TrainingTraces() {
    }

    /**
     * @param layers          transformer layers
     * @param weightBytes     bytes of one weight matrix (gradient, m and v the same)
     * @param activationBytes bytes of one forward op's activation
     * @param forwardNs       duration of one forward op (backward ops take twice as long)
     * @param seed            the jitter's seed
     */
    static Workload transformer(int layers, long weightBytes, long activationBytes, long forwardNs, long seed) {
        Random random = new Random(seed);
        Recorder recorder = new Recorder(new TraceSource("teraio-tests", "synthetic", "tiny-transformer", "none"));
        int[][][] state = new int[layers][FORWARD.length][];
        for (int l = 0; l < layers; l++) {
            for (int k = 0; k < FORWARD.length; k++) {
                if (!HAS_WEIGHT[k]) {
                    continue;
                }
                String name = "layers." + l + "." + FORWARD[k];
                long bytes = jitter(random, weightBytes);
                state[l][k] = new int[] {
                    recorder.registerTensor(name + ".weight", bytes, TensorKind.PARAMETER, true, true),
                    recorder.registerTensor(name + ".grad", bytes, TensorKind.GRADIENT, true, true),
                    recorder.registerTensor(name + ".adam.m", bytes, TensorKind.OPTIMIZER_STATE, true, true),
                    recorder.registerTensor(name + ".adam.v", bytes, TensorKind.OPTIMIZER_STATE, true, true),
                };
            }
        }
        long[] actBytes = new long[layers * FORWARD.length + 1];
        long[] opNs = new long[layers * FORWARD.length];
        for (int i = 0; i < actBytes.length; i++) {
            actBytes[i] = jitter(random, activationBytes);
        }
        for (int i = 0; i < opNs.length; i++) {
            opNs[i] = jitter(random, forwardNs);
        }
        for (int iteration = 0; iteration < 2; iteration++) {
            int[] op = {0};
            List<Integer> saved = new ArrayList<>();
            int x = register(recorder, op, TensorKind.ACTIVATION, actBytes[0]);
            record(recorder, op, "load_batch", forwardNs / 4, new int[0], new int[] {x}, new int[0]);
            for (int l = 0; l < layers; l++) {
                for (int k = 0; k < FORWARD.length; k++) {
                    int i = l * FORWARD.length + k;
                    saved.add(x);
                    int out = register(recorder, op, TensorKind.ACTIVATION, actBytes[i + 1]);
                    int[] uses = HAS_WEIGHT[k] ? new int[] {x, state[l][k][0]} : new int[] {x};
                    record(recorder, op, FORWARD[k], opNs[i], uses, new int[] {out}, new int[0]);
                    x = out;
                }
            }
            int grad = register(recorder, op, TensorKind.GRADIENT, actBytes[actBytes.length - 1]);
            record(recorder, op, "loss", forwardNs / 4, new int[] {x}, new int[] {grad}, new int[] {x});
            for (int l = layers - 1; l >= 0; l--) {
                for (int k = FORWARD.length - 1; k >= 0; k--) {
                    int i = l * FORWARD.length + k;
                    int input = saved.get(i);
                    int[] uses = HAS_WEIGHT[k] ? new int[] {grad, input, state[l][k][0], state[l][k][1]}
                            : new int[] {grad, input};
                    boolean first = i == 0;
                    int next = first ? -1 : register(recorder, op, TensorKind.GRADIENT, actBytes[i]);
                    record(recorder, op, FORWARD[k] + "_backward", 2 * opNs[i], uses,
                            first ? new int[0] : new int[] {next}, new int[] {grad, input});
                    grad = next;
                }
            }
            for (int l = 0; l < layers; l++) {
                List<Integer> uses = new ArrayList<>();
                for (int k = 0; k < FORWARD.length; k++) {
                    if (HAS_WEIGHT[k]) {
                        for (int t : state[l][k]) {
                            uses.add(t);
                        }
                    }
                }
                record(recorder, op, "adam", forwardNs / 2, uses.stream().mapToInt(Integer::intValue).toArray(),
                        new int[0], new int[0]);
            }
            recorder.endIteration();
        }
        Trace trace = recorder.toTrace();
        return Workload.of(trace);
    }

    private static long jitter(Random random, long value) {
        return Math.max(1, Math.round(value * (0.75 + 0.5 * random.nextDouble())));
    }

    private static int register(Recorder recorder, int[] op, TensorKind kind, long bytes) {
        return recorder.registerTensor("op" + op[0] + ".out0", bytes, kind, false, true);
    }

    private static void record(Recorder recorder, int[] op, String name, long ns, int[] uses, int[] allocs, int[] frees) {
        recorder.recordOp(name, ns, uses, allocs, frees);
        op[0]++;
    }

    /**
     * Device 0 with {@code capacityBytes}, PCIe 16 GB/s, {@code ssds} SSDs of 6 GB/s read and
     * 4 GB/s write with 20 µs latency, and {@code hostBytes} of host memory for offloading.
     */
    static HardwareProfile hardware(long capacityBytes, int ssds, long hostBytes) {
        List<Ssd> list = new ArrayList<>();
        for (int i = 0; i < ssds; i++) {
            list.add(new Ssd(i, null, 6_000_000_000L, 4_000_000_000L, 20_000, -1));
        }
        return new HardwareProfile(List.of(new Device(0, capacityBytes, 16_000_000_000L)), list, hostBytes);
    }

    /** {@link #hardware} with the capacity at {@code 1/oversubscription} of the workload's peak live bytes. */
    static HardwareProfile oversubscribed(Workload workload, double oversubscription, int ssds, long hostBytes) {
        return hardware((long) (workload.peakLiveBytes() / oversubscription), ssds, hostBytes);
    }
}
