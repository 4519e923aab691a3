package io.teraio.planner.sim;

import java.util.Arrays;

/**
 * The transfers of one device's simulation (an offload or a prefetch of one tensor each), in
 * primitive arrays indexed by transfer id. Ids are recycled ({@link #release}), so the arrays
 * stop growing once they hold the most transfers alive at once; nothing is allocated per
 * transfer.
 */
final class Transfers {
    // States.
    static final byte FREE = 0;
    /** A prefetch waiting for the offload of its tensor to complete. */
    static final byte WAIT_OFFLOAD = 1;
    /** A prefetch waiting for its memory reservation. */
    static final byte WAIT_MEMORY = 2;
    /** In an SSD channel's (or a lane's) queue. */
    static final byte QUEUED = 3;
    /** Holding its SSD channel, before its first byte moves. */
    static final byte LATENCY = 4;
    /** Moving bytes (over the PCIe link; or, in the engine model, with a task in flight). */
    static final byte DATA = 5;

    private int capacity = 256;
    private int count;
    /** The tensor slot moved. */
    int[] slot = new int[capacity];
    /** The plan entry issued, or -1 for a demand fetch. */
    int[] entry = new int[capacity];
    /** The iteration the entry's instance is due in. */
    int[] dueIter = new int[capacity];
    /** The SSD id, or {@link TensorPlaces#HOST}. */
    int[] ssd = new int[capacity];
    boolean[] offload = new boolean[capacity];
    /** Its tensor was freed: it moves on only to release what it holds. */
    boolean[] dropped = new boolean[capacity];
    byte[] state = new byte[capacity];
    /** The issue number, across the devices of a joint simulation. */
    long[] seq = new long[capacity];
    /** The deadline op, counting iterations ({@code iteration * ops + op}). */
    long[] due = new long[capacity];
    /** 0 for urgent, 1 otherwise. */
    long[] urgency = new long[capacity];
    /** When its pending latency or completion event is, or -1. */
    long[] finishAt = new long[capacity];
    /** Bytes moved (for a host flow: the link's service at which it completes). */
    double[] moved = new double[capacity];
    double[] rate = new double[capacity];
    /** Engine model: the transfer's tasks, those started and those in flight. */
    int[] tasksTotal = new int[capacity];
    int[] tasksStarted = new int[capacity];
    int[] tasksRunning = new int[capacity];
    private int[] freeIds = new int[capacity];
    private int freeIdCount;

    /** A new transfer, queued, with nothing moved. */
    int add(int slotOf, int entryOf, boolean isOffload, int ssdOf, boolean urgent, int dueIterOf, long dueOp,
            long issueSeq) {
        int x;
        if (freeIdCount > 0) {
            x = freeIds[--freeIdCount];
        } else {
            if (count == capacity) {
                grow();
            }
            x = count++;
        }
        slot[x] = slotOf;
        entry[x] = entryOf;
        offload[x] = isOffload;
        ssd[x] = ssdOf;
        urgency[x] = urgent ? 0 : 1;
        dueIter[x] = dueIterOf;
        due[x] = dueOp;
        seq[x] = issueSeq;
        dropped[x] = false;
        moved[x] = 0;
        rate[x] = 0;
        finishAt[x] = -1;
        state[x] = QUEUED;
        return x;
    }

    /** Frees id x for a later transfer. */
    void release(int x) {
        state[x] = FREE;
        freeIds[freeIdCount++] = x;
    }

    private void grow() {
        capacity *= 2;
        slot = Arrays.copyOf(slot, capacity);
        entry = Arrays.copyOf(entry, capacity);
        dueIter = Arrays.copyOf(dueIter, capacity);
        ssd = Arrays.copyOf(ssd, capacity);
        offload = Arrays.copyOf(offload, capacity);
        dropped = Arrays.copyOf(dropped, capacity);
        state = Arrays.copyOf(state, capacity);
        seq = Arrays.copyOf(seq, capacity);
        due = Arrays.copyOf(due, capacity);
        urgency = Arrays.copyOf(urgency, capacity);
        finishAt = Arrays.copyOf(finishAt, capacity);
        moved = Arrays.copyOf(moved, capacity);
        rate = Arrays.copyOf(rate, capacity);
        tasksTotal = Arrays.copyOf(tasksTotal, capacity);
        tasksStarted = Arrays.copyOf(tasksStarted, capacity);
        tasksRunning = Arrays.copyOf(tasksRunning, capacity);
        freeIds = Arrays.copyOf(freeIds, capacity);
    }
}
