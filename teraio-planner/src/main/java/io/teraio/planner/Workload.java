package io.teraio.planner;

import io.teraio.core.TeraioException;
import io.teraio.core.lifetime.LifetimeModel;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.Trace;
import java.util.Arrays;

/**
 * The steady-state iteration of a trace (its last iteration) in the flat, indexed form the
 * planner, the simulator and the plan validator share. Ops are numbered 0..{@link #opCount()}-1
 * within the iteration (plan entries use these numbers); tensors by their slot in
 * {@link Trace#tensors()} (0..{@link #tensorCount()}-1), with {@link #tensorId(int)} giving
 * the trace id a plan names.
 *
 * <p>A tensor the iteration uses but does not allocate is <em>resident from the start</em>
 * ({@link #allocOp(int)} is -1): persistent tensors and any tensor allocated in an earlier
 * iteration. A tensor the iteration allocates and does not free lives to its end
 * ({@link #freeOp(int)} is {@code opCount}). A tensor the iteration does not touch at all is
 * not part of it ({@link #inIteration(int)} is false). Persistent tensors resident from the
 * start stay resident across the iteration boundary: their idle time wraps from their last
 * use to their first use in the next iteration.
 *
 * <p>The tensors an op <em>needs resident</em> are its {@code uses} and {@code allocs};
 * a tensor in its {@code frees} only is released there. Live ranges, uses, live and needed
 * bytes and idle periods are the iteration's {@link LifetimeModel} ({@link #lifetimes()}),
 * computed once.
 */
public final class Workload {
    private final Trace trace;
    private final int firstOp;
    private final int opCount;
    private final long[] durationNs;
    private final int[][] needs;
    private final int[][] allocs;
    private final int[][] frees;
    private final long[] bytes;
    private final boolean[] persistent;
    private final boolean[] offloadable;
    private final LifetimeModel lifetimes;

    private Workload(Trace trace) {
        this.trace = trace;
        if (trace.iterations().isEmpty() || trace.ops().isEmpty()) {
            throw new TeraioException("the trace has no ops to plan");
        }
        Iteration last = trace.iterations().get(trace.iterations().size() - 1);
        this.firstOp = last.firstOp();
        this.opCount = last.opCount();
        int tensors = trace.tensors().size();
        bytes = new long[tensors];
        persistent = new boolean[tensors];
        offloadable = new boolean[tensors];
        for (int t = 0; t < tensors; t++) {
            Tensor tensor = trace.tensors().get(t);
            bytes[t] = tensor.bytes();
            persistent[t] = tensor.persistent();
            offloadable[t] = tensor.offloadable();
        }
        durationNs = new long[opCount];
        needs = new int[opCount][];
        allocs = new int[opCount][];
        frees = new int[opCount][];
        for (int k = 0; k < opCount; k++) {
            Op op = trace.ops().get(firstOp + k);
            durationNs[k] = op.durationNs();
            allocs[k] = slots(op.allocs());
            frees[k] = slots(op.frees());
            int[] uses = slots(op.uses());
            int[] need = Arrays.copyOf(uses, uses.length + allocs[k].length);
            System.arraycopy(allocs[k], 0, need, uses.length, allocs[k].length);
            needs[k] = Arrays.stream(need).distinct().toArray();
        }
        lifetimes = LifetimeModel.ofIteration(trace, last);
    }

    /** The last iteration of {@code trace}. */
    public static Workload of(Trace trace) {
        return new Workload(trace);
    }

    private int[] slots(int[] ids) {
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = trace.slotOf(ids[i]);
            if (result[i] < 0) {
                throw new TeraioException("op " + ids[i] + " names tensor " + ids[i] + ", which the trace lacks");
            }
        }
        return result;
    }

    public Trace trace() {
        return trace;
    }

    /** The global index of the iteration's first op in the trace. */
    public int firstOp() {
        return firstOp;
    }

    public int opCount() {
        return opCount;
    }

    public int tensorCount() {
        return bytes.length;
    }

    public String opName(int op) {
        return trace.ops().get(firstOp + op).name();
    }

    public long durationNs(int op) {
        return durationNs[op];
    }

    /** When op {@code op} starts with no stalls; {@code startNs(opCount())} is {@link #idealNs()}. */
    public long startNs(int op) {
        return lifetimes.startNs(op);
    }

    /** The iteration's time with no stalls: the sum of its op durations. */
    public long idealNs() {
        return lifetimes.totalNs();
    }

    /** The tensors (slots) op {@code op} needs resident: its uses and allocations, each once. */
    public int[] needs(int op) {
        return needs[op];
    }

    public int[] allocs(int op) {
        return allocs[op];
    }

    public int[] frees(int op) {
        return frees[op];
    }

    public int tensorId(int tensor) {
        return trace.tensors().get(tensor).id();
    }

    public Tensor tensor(int tensor) {
        return trace.tensors().get(tensor);
    }

    public long bytes(int tensor) {
        return bytes[tensor];
    }

    public boolean persistent(int tensor) {
        return persistent[tensor];
    }

    public boolean offloadable(int tensor) {
        return offloadable[tensor];
    }

    /** Whether the iteration touches the tensor (uses, allocates or frees it). */
    public boolean inIteration(int tensor) {
        return lifetimes.inWindow(tensor);
    }

    /** The op that allocates the tensor, or -1 if it is resident from the start ({@link Integer#MIN_VALUE} if not {@link #inIteration}). */
    public int allocOp(int tensor) {
        return lifetimes.inWindow(tensor) ? lifetimes.allocOp(tensor) : Integer.MIN_VALUE;
    }

    /** The op that frees the tensor, or {@code opCount()} if it outlives the iteration ({@link Integer#MIN_VALUE} if not {@link #inIteration}). */
    public int freeOp(int tensor) {
        if (!lifetimes.inWindow(tensor)) {
            return Integer.MIN_VALUE;
        }
        int free = lifetimes.freeOp(tensor);
        return free < 0 ? opCount : free;
    }

    /** Whether the tensor is resident from the start and outlives the iteration (its idle time wraps). */
    public boolean wraps(int tensor) {
        return lifetimes.wraps(tensor);
    }

    /** The ops that need the tensor resident (its active ops), ascending. */
    public int[] useOps(int tensor) {
        return lifetimes.activeOps(tensor);
    }

    /** The iteration's lifetime model: live ranges, uses and idle periods, across the iteration boundary. */
    public LifetimeModel lifetimes() {
        return lifetimes;
    }

    /** Bytes live during op {@code op} with nothing offloaded (M in the paper). */
    public long liveBytes(int op) {
        return lifetimes.liveBytes(op);
    }

    /** The most bytes live at one op with nothing offloaded. */
    public long peakLiveBytes() {
        long peak = 0;
        for (int k = 0; k < opCount; k++) {
            peak = Math.max(peak, lifetimes.liveBytes(k));
        }
        return peak;
    }

    /** Bytes op {@code op} needs resident (its active bytes). */
    public long neededBytes(int op) {
        return lifetimes.activeBytes(op);
    }
}
