package io.teraio.planner.sim;

import java.util.Arrays;

/**
 * What the devices of one simulation share: the SSD channels (one read and one write channel per
 * SSD, each serving one transfer at a time, urgent ones first, then in issue order across
 * devices) or, with a {@link LaneModel}, the engine's lanes (one per SSD, shared, and one host
 * lane per device); the issue order itself; the host memory that offloaded tensors occupy; and
 * each lane's bytes and busy time. A simulation of one device has its own.
 */
final class Shared {
    /** Task phases on a lane ({@link #slotPhase}). */
    static final byte SLOT_FREE = 0;
    static final byte SLOT_LATENCY = 1;
    static final byte SLOT_DATA = 2;

    /** The devices' simulations, by device index. */
    final IterationSim[] sims;
    /** Channel {@code 2 * ssd} (reads) and {@code 2 * ssd + 1} (writes): whether a transfer holds it. */
    final boolean[] busy;
    /** Waiting transfers per channel, valued {@code transfer * sims.length + device}. */
    final MinHeap[] queue;
    /** The last issue number given to a transfer, on any device. */
    long issueSeq;
    /** Host memory held by offloaded tensors of every device. */
    long hostUsed;

    /** The engine model, or null for the profile's channels. */
    final LaneModel model;
    /** Lanes: SSD {@code i} is lane {@code i}, device {@code d}'s host tier lane {@code ssds + d}. */
    final int ssds;
    final int lanes;
    /** Per lane: transfers with tasks still to start, valued as {@link #queue}'s. */
    final MinHeap[] laneQueue;
    /** Per lane and slot ({@code lane * depth + slot}): the task's transfer (valued as above), phase, bytes. */
    final int[] slotTransfer;
    final byte[] slotPhase;
    final boolean[] slotWrite;
    final long[] slotBytes;
    final double[] slotLeft;
    final double[] slotRate;
    final long[] slotFinishAt;
    /** Per lane: tasks in flight. */
    final int[] laneTasks;
    /** When the tasks' bytes left were last brought up to date. */
    long advancedNs;
    /** Scratch for the rates: per lane the read and write tasks moving bytes; per device and direction the rates' sums. */
    final int[] laneReads;
    final int[] laneWrites;
    final double[] linkSum;
    final double[] ssdSum;

    /** Per lane: bytes moved each way (counted as tasks or transfers complete) and busy time. */
    final long[] laneBytesRead;
    final long[] laneBytesWritten;
    final long[] laneBusyNs;
    final long[] laneBusySince;
    /** Per lane: tasks (or transfers, without a model) holding it. */
    final int[] laneActive;

    Shared(int ssds, int devices, LaneModel model) {
        sims = new IterationSim[devices];
        busy = new boolean[2 * ssds];
        queue = new MinHeap[2 * ssds];
        for (int c = 0; c < queue.length; c++) {
            queue[c] = new MinHeap();
        }
        this.model = model;
        this.ssds = ssds;
        this.lanes = ssds + devices;
        laneQueue = new MinHeap[lanes];
        for (int l = 0; l < lanes; l++) {
            laneQueue[l] = new MinHeap();
        }
        int slots = model == null ? 0 : lanes * model.depth;
        slotTransfer = new int[slots];
        Arrays.fill(slotTransfer, -1);
        slotPhase = new byte[slots];
        slotWrite = new boolean[slots];
        slotBytes = new long[slots];
        slotLeft = new double[slots];
        slotRate = new double[slots];
        slotFinishAt = new long[slots];
        laneTasks = new int[lanes];
        laneReads = new int[lanes];
        laneWrites = new int[lanes];
        linkSum = new double[2 * devices];
        ssdSum = new double[2 * devices];
        laneBytesRead = new long[lanes];
        laneBytesWritten = new long[lanes];
        laneBusyNs = new long[lanes];
        laneBusySince = new long[lanes];
        laneActive = new int[lanes];
    }

    /** Lane {@code l} takes on ({@code +1}) or lets go of ({@code -1}) a task at {@code now}. */
    void laneActivity(int l, int delta, long now) {
        if (delta > 0 && laneActive[l]++ == 0) {
            laneBusySince[l] = now;
        } else if (delta < 0 && --laneActive[l] == 0) {
            laneBusyNs[l] += now - laneBusySince[l];
        }
    }

    /** Lane {@code l}'s busy time up to {@code now}. */
    long laneBusyNs(int l, long now) {
        return laneBusyNs[l] + (laneActive[l] > 0 ? now - laneBusySince[l] : 0);
    }
}
