package io.teraio.planner;

import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import java.util.ArrayList;
import java.util.List;

/** Hand-built one-iteration traces, hardware and plan entries for simulator and validator tests. */
public final class TinyTrace {
    /** 1e9 bytes/s: one byte per nanosecond, which keeps hand computations in whole nanoseconds. */
    public static final long BYTE_PER_NS = 1_000_000_000L;

    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();

    /** An offloadable persistent tensor (a parameter). */
    public TinyTrace persistent(int id, String key, long bytes) {
        tensors.add(new Tensor(id, key, bytes, TensorKind.PARAMETER, true, true, 0));
        return this;
    }

    /** A persistent tensor whose memory is not released when it moves. */
    public TinyTrace pinned(int id, String key, long bytes) {
        tensors.add(new Tensor(id, key, bytes, TensorKind.GRADIENT, true, false, 0));
        return this;
    }

    /** An offloadable activation; an op must allocate it. */
    public TinyTrace activation(int id, String key, long bytes) {
        tensors.add(new Tensor(id, key, bytes, TensorKind.ACTIVATION, false, true, 0));
        return this;
    }

    /** The next op, using {@code uses} (tensor ids); see {@link #op(String, long, int[], int[], int[])}. */
    public TinyTrace op(String name, long ns, int... uses) {
        return op(name, ns, uses, new int[0], new int[0]);
    }

    public TinyTrace op(String name, long ns, int[] uses, int[] allocs, int[] frees) {
        ops.add(new Op(ops.size(), name, ns, uses, allocs, frees));
        return this;
    }

    public Trace trace() {
        return new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, ops.size())), tensors, ops);
    }

    public Workload workload() {
        return Workload.of(trace());
    }

    public static int[] ids(int... ids) {
        return ids;
    }

    /** One device with {@code memoryBytes} and {@code pcieBytesPerSecond} each way, these SSDs. */
    public static HardwareProfile hardware(long memoryBytes, long pcieBytesPerSecond, long hostMemoryBytes,
                                           Ssd... ssds) {
        return new HardwareProfile(List.of(new Device(0, memoryBytes, pcieBytesPerSecond)), List.of(ssds),
                hostMemoryBytes);
    }

    /** SSD {@code id} with the same read and write bandwidth. */
    public static Ssd ssd(int id, long bytesPerSecond, long latencyNs) {
        return new Ssd(id, null, bytesPerSecond, bytesPerSecond, latencyNs, -1);
    }

    public static PlanEntry offload(int tensor, String key, int ssd, int issueAtOp, int deadlineOp) {
        return entry(PlanAction.OFFLOAD, tensor, key, ssd, issueAtOp, deadlineOp, false);
    }

    public static PlanEntry prefetch(int tensor, String key, int ssd, int issueAtOp, int deadlineOp) {
        return entry(PlanAction.PREFETCH, tensor, key, ssd, issueAtOp, deadlineOp, false);
    }

    /** An entry; {@code ssd} -1 means host memory. */
    public static PlanEntry entry(PlanAction action, int tensor, String key, int ssd, int issueAtOp, int deadlineOp,
                                  boolean urgent) {
        return new PlanEntry(tensor, key, action, ssd < 0 ? PlanTarget.HOST : PlanTarget.SSD, ssd, issueAtOp,
                deadlineOp, urgent);
    }
}
