package io.teraio.planner;

import io.teraio.core.TeraioException;
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
 * a tensor in its {@code frees} only is released there.
 */
public final class Workload {
    private final Trace trace;
    private final int firstOp;
    private final int opCount;
    private final long[] durationNs;
    private final long[] startNs;
    private final long totalNs;
    private final int[][] needs;
    private final int[][] allocs;
    private final int[][] frees;
    private final long[] bytes;
    private final boolean[] persistent;
    private final boolean[] offloadable;
    private final int[] allocOp;
    private final int[] freeOp;
    private final int[][] useOps;
    private final long[] liveBytes;

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
        startNs = new long[opCount + 1];
        needs = new int[opCount][];
        allocs = new int[opCount][];
        frees = new int[opCount][];
        allocOp = new int[tensors];
        freeOp = new int[tensors];
        Arrays.fill(allocOp, Integer.MIN_VALUE);
        Arrays.fill(freeOp, Integer.MIN_VALUE);
        int[] useCount = new int[tensors];
        for (int k = 0; k < opCount; k++) {
            Op op = trace.ops().get(firstOp + k);
            durationNs[k] = op.durationNs();
            startNs[k + 1] = startNs[k] + op.durationNs();
            allocs[k] = slots(op.allocs());
            frees[k] = slots(op.frees());
            int[] uses = slots(op.uses());
            int[] need = Arrays.copyOf(uses, uses.length + allocs[k].length);
            System.arraycopy(allocs[k], 0, need, uses.length, allocs[k].length);
            need = Arrays.stream(need).distinct().toArray();
            needs[k] = need;
            for (int t : allocs[k]) {
                allocOp[t] = k;
            }
            for (int t : frees[k]) {
                freeOp[t] = k;
                if (allocOp[t] == Integer.MIN_VALUE) {
                    allocOp[t] = -1;
                }
            }
            for (int t : need) {
                useCount[t]++;
                if (allocOp[t] == Integer.MIN_VALUE) {
                    allocOp[t] = -1;
                }
            }
        }
        totalNs = startNs[opCount];
        useOps = new int[tensors][];
        for (int t = 0; t < tensors; t++) {
            useOps[t] = new int[useCount[t]];
            if (allocOp[t] != Integer.MIN_VALUE && freeOp[t] == Integer.MIN_VALUE) {
                freeOp[t] = opCount;
            }
        }
        int[] filled = new int[tensors];
        for (int k = 0; k < opCount; k++) {
            for (int t : needs[k]) {
                useOps[t][filled[t]++] = k;
            }
        }
        // Live bytes per op: a tensor is live from its allocating op (or the start) through its freeing op.
        long[] delta = new long[opCount + 2];
        for (int t = 0; t < tensors; t++) {
            if (!inIteration(t)) {
                continue;
            }
            int from = Math.max(0, allocOp[t]);
            int through = Math.min(opCount - 1, freeOp[t]);
            delta[from] += bytes[t];
            delta[through + 1] -= bytes[t];
        }
        liveBytes = new long[opCount];
        long live = 0;
        for (int k = 0; k < opCount; k++) {
            live += delta[k];
            liveBytes[k] = live;
        }
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
        return startNs[op];
    }

    /** The iteration's time with no stalls: the sum of its op durations. */
    public long idealNs() {
        return totalNs;
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
        return allocOp[tensor] != Integer.MIN_VALUE;
    }

    /** The op that allocates the tensor, or -1 if it is resident from the start. */
    public int allocOp(int tensor) {
        return allocOp[tensor];
    }

    /** The op that frees the tensor, or {@code opCount()} if it outlives the iteration. */
    public int freeOp(int tensor) {
        return freeOp[tensor];
    }

    /** Whether the tensor is resident from the start and outlives the iteration (its idle time wraps). */
    public boolean wraps(int tensor) {
        return allocOp[tensor] == -1 && freeOp[tensor] == opCount;
    }

    /** The ops that need the tensor resident, ascending. */
    public int[] useOps(int tensor) {
        return useOps[tensor];
    }

    /** Bytes live during op {@code op} with nothing offloaded (M in the paper). */
    public long liveBytes(int op) {
        return liveBytes[op];
    }

    /** The most bytes live at one op with nothing offloaded. */
    public long peakLiveBytes() {
        long peak = 0;
        for (long b : liveBytes) {
            peak = Math.max(peak, b);
        }
        return peak;
    }

    /** Bytes op {@code op} needs resident (its active bytes). */
    public long neededBytes(int op) {
        long sum = 0;
        for (int t : needs[op]) {
            sum += bytes[t];
        }
        return sum;
    }
}
