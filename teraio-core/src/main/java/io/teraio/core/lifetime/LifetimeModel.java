package io.teraio.core.lifetime;

import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.Trace;
import java.util.Arrays;
import java.util.List;

/**
 * When each tensor of a trace is live, the ops that use it and the periods it sits idle, over
 * a window of the trace's ops taken as one iteration that repeats: the whole trace
 * ({@link #ofTrace}, what {@code teraio analyze} reports) or one of its iterations
 * ({@link #ofIteration}, the steady state the planner plans). Computed once, in time linear in
 * the size of the window, into primitive arrays. Ops are numbered {@code 0..opCount()-1} within the
 * window; tensors by their slot in {@link Trace#tensors()}. The rules (also in
 * {@code docs/lifetimes.md}):
 *
 * <ul>
 * <li><b>In the window.</b> Of the whole trace: every tensor it lists. Of an iteration: the
 *     tensors its ops use, allocate or free; the others have no live range, uses or periods.
 * <li><b>Live range.</b> A persistent tensor is live at every op. Any other is live from the
 *     op of the window that allocates it (op 0 if none does) through the op that frees it,
 *     inclusive (the last op if none does).
 * <li><b>Active ops</b> (its uses): the ops whose {@code uses} list it, plus the op that
 *     allocates it; not the op that frees it unless that op lists it in {@code uses}.
 * <li><b>Wraps.</b> A tensor whose idle time continues across the iteration boundary. Of the
 *     whole trace: a persistent tensor. Of an iteration: a tensor it neither allocates nor
 *     frees (resident at both of its ends: persistent, or allocated in an earlier iteration
 *     and freed in a later one).
 * <li><b>Idle periods</b>, each a maximal run of live ops at which the tensor is not active,
 *     in op order: {@linkplain IdleKind#BEFORE_FIRST_USE before its first use} (or its whole
 *     live range when it has no use), {@linkplain IdleKind#BETWEEN_USES between uses},
 *     {@linkplain IdleKind#AFTER_LAST_USE after its last use}; a tensor that wraps has, instead
 *     of the first and the last, one period {@linkplain IdleKind#ACROSS_BOUNDARY across the
 *     boundary}, from after its last use to before its first use in the next iteration, given
 *     on the unrolled timeline: its last idle op is {@code opCount()} or more when it reaches
 *     into the next iteration (op {@code idleToOp - opCount()} there). Every period has at
 *     least one idle op; its duration is the sum of their durations.
 * <li><b>Per op.</b> Live bytes: the sum of the bytes of the tensors live at it. Active bytes:
 *     the sum of the bytes of the tensors active at it.
 * </ul>
 */
public final class LifetimeModel {
    private static final IdleKind[] KINDS = IdleKind.values();

    private final Trace trace;
    private final int firstOp;
    private final int opCount;
    private final long[] startNs;
    private final long[] bytes;
    private final boolean[] persistent;
    private final boolean[] inWindow;
    private final boolean[] wraps;
    private final int[] allocOp;
    private final int[] freeOp;
    private final int[][] activeOps;
    private final long[] activeBytes;
    private final long[] liveBytes;
    private final int[] periodStart;
    private int periodCount;
    private final int[] idleFromOp;
    private final int[] idleToOp;
    private final byte[] idleKind; // IdleKind ordinals

    private LifetimeModel(Trace trace, int firstOp, int opCount, boolean wholeTrace) {
        if (opCount <= 0) {
            throw new IllegalArgumentException("lifetimes: the window has no ops");
        }
        this.trace = trace;
        this.firstOp = firstOp;
        this.opCount = opCount;
        List<Tensor> tensors = trace.tensors();
        int tensorCount = tensors.size();
        bytes = new long[tensorCount];
        persistent = new boolean[tensorCount];
        for (int t = 0; t < tensorCount; t++) {
            bytes[t] = tensors.get(t).bytes();
            persistent[t] = tensors.get(t).persistent();
        }
        startNs = new long[opCount + 1];
        for (int k = 0; k < opCount; k++) {
            startNs[k + 1] = startNs[k] + trace.ops().get(firstOp + k).durationNs();
        }
        allocOp = filled(tensorCount, -1);
        freeOp = filled(tensorCount, -1);
        inWindow = new boolean[tensorCount];
        activeBytes = new long[opCount];
        activeOps = new Activity(this).activeOps();
        wraps = new boolean[tensorCount];
        for (int t = 0; t < tensorCount; t++) {
            if (wholeTrace) {
                inWindow[t] = true;
                wraps[t] = persistent[t];
            } else {
                wraps[t] = inWindow[t] && allocOp[t] < 0 && freeOp[t] < 0;
            }
        }
        liveBytes = liveBytes();
        periodStart = new int[tensorCount + 1];
        for (int t = 0; t < tensorCount; t++) {
            periodStart[t + 1] = periodStart[t] + (inWindow[t] ? periods(t, false) : 0);
        }
        idleFromOp = new int[periodStart[tensorCount]];
        idleToOp = new int[idleFromOp.length];
        idleKind = new byte[idleFromOp.length];
        for (int t = 0; t < tensorCount; t++) {
            if (inWindow[t]) {
                periods(t, true);
            }
        }
    }

    /** The whole trace as one iteration: every tensor it lists; the persistent ones wrap. */
    public static LifetimeModel ofTrace(Trace trace) {
        return new LifetimeModel(trace, 0, trace.ops().size(), true);
    }

    /** One iteration of the trace: the tensors it touches; those it neither allocates nor frees wrap. */
    public static LifetimeModel ofIteration(Trace trace, Iteration iteration) {
        return new LifetimeModel(trace, iteration.firstOp(), iteration.opCount(), false);
    }

    /**
     * Who is active where, found in one pass over the window's ops: each tensor's allocating and
     * freeing op, whether the window touches it, each op's active bytes, and each tensor's active
     * ops, ascending, each once.
     */
    private static final class Activity {
        private final LifetimeModel m;
        private final int[] lastActiveOp;
        private final int[] activeCount;
        private final int[] activeSlots;
        private int activity;

        Activity(LifetimeModel m) {
            this.m = m;
            int bound = 0;
            for (int k = 0; k < m.opCount; k++) {
                Op op = m.op(k);
                bound += op.uses().length + op.allocs().length;
            }
            lastActiveOp = filled(m.bytes.length, -1);
            activeCount = new int[m.bytes.length];
            activeSlots = new int[bound];
        }

        int[][] activeOps() {
            int[] activeStart = new int[m.opCount + 1];
            for (int k = 0; k < m.opCount; k++) {
                Op op = m.op(k);
                activeStart[k] = activity;
                for (int id : op.allocs()) {
                    int slot = slotOf(op, "allocates", id);
                    m.allocOp[slot] = k;
                    active(slot, k);
                }
                for (int id : op.uses()) {
                    active(slotOf(op, "uses", id), k);
                }
                for (int id : op.frees()) {
                    int slot = slotOf(op, "frees", id);
                    m.freeOp[slot] = k;
                    m.inWindow[slot] = true;
                }
            }
            activeStart[m.opCount] = activity;
            int[][] activeOps = new int[m.bytes.length][];
            for (int t = 0; t < activeOps.length; t++) {
                activeOps[t] = new int[activeCount[t]];
            }
            int[] filledCount = new int[activeOps.length];
            for (int k = 0; k < m.opCount; k++) {
                for (int a = activeStart[k]; a < activeStart[k + 1]; a++) {
                    int t = activeSlots[a];
                    activeOps[t][filledCount[t]++] = k;
                }
            }
            return activeOps;
        }

        /** Notes that the tensor in {@code slot} is active at op {@code k}, once per op. */
        private void active(int slot, int k) {
            if (lastActiveOp[slot] != k) {
                lastActiveOp[slot] = k;
                activeCount[slot]++;
                m.activeBytes[k] += m.bytes[slot];
                m.inWindow[slot] = true;
                activeSlots[activity++] = slot;
            }
        }

        private int slotOf(Op op, String verb, int id) {
            int slot = m.trace.slotOf(id);
            if (slot < 0) {
                throw new IllegalArgumentException("op " + op.index() + " (" + op.name() + ") " + verb
                        + " unknown tensor " + id);
            }
            return slot;
        }
    }

    private long[] liveBytes() {
        long[] delta = new long[opCount + 1];
        for (int t = 0; t < bytes.length; t++) {
            if (inWindow[t]) {
                delta[liveFromOp(t)] += bytes[t];
                delta[liveToOp(t) + 1] -= bytes[t];
            }
        }
        long[] live = new long[opCount];
        long sum = 0;
        for (int k = 0; k < opCount; k++) {
            sum += delta[k];
            live[k] = sum;
        }
        return live;
    }

    /**
     * Counts the idle periods of tensor {@code t}, in op order, and with {@code store} records
     * them (the arrays are sized by a first pass that only counts, so they hold no slack).
     */
    private int periods(int t, boolean store) {
        int[] active = activeOps[t];
        int liveFrom = liveFromOp(t);
        int liveTo = liveToOp(t);
        if (active.length == 0) {
            return period(store, IdleKind.BEFORE_FIRST_USE, liveFrom, liveTo);
        }
        int count = 0;
        int first = active[0];
        int last = active[active.length - 1];
        if (!wraps[t] && first > liveFrom) {
            count += period(store, IdleKind.BEFORE_FIRST_USE, liveFrom, first - 1);
        }
        for (int i = 1; i < active.length; i++) {
            if (active[i] > active[i - 1] + 1) {
                count += period(store, IdleKind.BETWEEN_USES, active[i - 1] + 1, active[i] - 1);
            }
        }
        if (wraps[t]) {
            if (first > 0 || last < opCount - 1) {
                count += period(store, IdleKind.ACROSS_BOUNDARY, last + 1, first - 1 + opCount);
            }
        } else if (last < liveTo) {
            count += period(store, IdleKind.AFTER_LAST_USE, last + 1, liveTo);
        }
        return count;
    }

    /** Records one period when {@code store}; returns 1 either way. */
    private int period(boolean store, IdleKind kind, int fromOp, int toOp) {
        if (store) {
            idleKind[periodCount] = (byte) kind.ordinal();
            idleFromOp[periodCount] = fromOp;
            idleToOp[periodCount] = toOp;
            periodCount++;
        }
        return 1;
    }

    private Op op(int k) {
        return trace.ops().get(firstOp + k);
    }

    private static int[] filled(int length, int value) {
        int[] array = new int[length];
        Arrays.fill(array, value);
        return array;
    }

    /** The trace the window belongs to. */
    public Trace trace() {
        return trace;
    }

    /** The index in the trace of the window's first op. */
    public int firstOp() {
        return firstOp;
    }

    public int opCount() {
        return opCount;
    }

    public int tensorCount() {
        return bytes.length;
    }

    /** When op {@code k} starts, the durations of the ops before it summed; {@code startNs(opCount())} is {@link #totalNs()}. */
    public long startNs(int k) {
        return startNs[k];
    }

    /** The sum of the window's op durations. */
    public long totalNs() {
        return startNs[opCount];
    }

    /** Whether the tensor is in the window (see the class rules). */
    public boolean inWindow(int t) {
        return inWindow[t];
    }

    /** Whether the tensor's idle time continues across the iteration boundary. */
    public boolean wraps(int t) {
        return wraps[t];
    }

    /** The op of the window that allocates the tensor, or -1 if none does. */
    public int allocOp(int t) {
        return allocOp[t];
    }

    /** The op of the window that frees the tensor, or -1 if none does. */
    public int freeOp(int t) {
        return freeOp[t];
    }

    /** The first op at which the tensor is live (for a tensor in the window). */
    public int liveFromOp(int t) {
        return persistent[t] || allocOp[t] < 0 ? 0 : allocOp[t];
    }

    /** The last op at which the tensor is live, inclusive (for a tensor in the window). */
    public int liveToOp(int t) {
        return persistent[t] || freeOp[t] < 0 ? opCount - 1 : freeOp[t];
    }

    /** The ops at which the tensor is active (its uses), ascending, each once; must not be modified. */
    public int[] activeOps(int t) {
        return activeOps[t];
    }

    /** The sum of the bytes of the tensors live at op {@code k}. */
    public long liveBytes(int k) {
        return liveBytes[k];
    }

    /** The sum of the bytes of the tensors active at op {@code k}. */
    public long activeBytes(int k) {
        return activeBytes[k];
    }

    /** The number of idle periods of all tensors. */
    public int periodCount() {
        return periodCount;
    }

    /** The index of the tensor's first idle period; its periods are {@code firstPeriod(t)..firstPeriod(t + 1) - 1}, in op order. */
    public int firstPeriod(int t) {
        return periodStart[t];
    }

    public IdleKind idleKind(int p) {
        return KINDS[idleKind[p]];
    }

    /** The first idle op of period {@code p}. */
    public int idleFromOp(int p) {
        return idleFromOp[p];
    }

    /** The last idle op of period {@code p}, inclusive, on the unrolled timeline ({@code opCount()} or more in the next iteration). */
    public int idleToOp(int p) {
        return idleToOp[p];
    }

    /** The sum of the durations of period {@code p}'s idle ops. */
    public long idleNs(int p) {
        int from = idleFromOp[p];
        int to = idleToOp[p];
        if (to < opCount) {
            return startNs[to + 1] - startNs[from];
        }
        if (from >= opCount) {
            return startNs[to - opCount + 1] - startNs[from - opCount];
        }
        return startNs[opCount] - startNs[from] + startNs[to - opCount + 1];
    }
}
