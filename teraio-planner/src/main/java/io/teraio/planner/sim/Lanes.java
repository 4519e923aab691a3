package io.teraio.planner.sim;

import static io.teraio.planner.sim.DeviceHardware.TO_DEVICE;
import static io.teraio.planner.sim.DeviceHardware.TO_HOST;

import java.util.Arrays;

/**
 * The engine's lanes as a profile with probe results moves transfers ({@link LaneModel};
 * docs/simulator.md, "The engine model"), for every device of a simulation at once: one lane per
 * SSD, shared, and one host lane per device. A lane queues transfers (urgent first, then in issue
 * order) and runs their tasks, at most {@link LaneModel#depth} in flight, each in a slot of its
 * own ({@code lane * depth + i}): an SSD task waits its latency, then moves its bytes at its
 * share of the lane and of its device's PCIe link; rates are recomputed whenever a task starts
 * moving or ends.
 */
final class Lanes {
    /** Task phases in a slot ({@link #slotPhase}). */
    static final byte SLOT_FREE = 0;
    static final byte SLOT_LATENCY = 1;
    static final byte SLOT_DATA = 2;

    private final Shared shared;
    private final LaneModel model;
    /** Per lane: transfers with tasks still to start, valued {@code transfer * devices + device}. */
    private final MinHeap[] laneQueue;
    /** Per slot: the task's transfer (valued as above), phase, direction, bytes, bytes left, rate, end. */
    private final int[] slotTransfer;
    private final byte[] slotPhase;
    private final boolean[] slotWrite;
    private final long[] slotBytes;
    private final double[] slotLeft;
    private final double[] slotRate;
    private final long[] slotFinishAt;
    /** Per lane: tasks in flight. */
    private final int[] laneTasks;
    /** When the tasks' bytes left were last brought up to date. */
    private long advancedNs;
    /** Scratch for the rates: per lane the read and write tasks moving bytes; per device and direction the sums. */
    private final int[] laneReads;
    private final int[] laneWrites;
    private final double[] linkSum;
    private final double[] ssdSum;

    Lanes(Shared shared, LaneModel model, int devices) {
        this.shared = shared;
        this.model = model;
        int lanes = shared.laneCount;
        laneQueue = new MinHeap[lanes];
        for (int l = 0; l < lanes; l++) {
            laneQueue[l] = new MinHeap();
        }
        int slots = lanes * model.depth;
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
    }

    /** The compute stream's time to issue one entry. */
    long migrationNs() {
        return model.migrationNs;
    }

    /**
     * Queues transfer x of device {@code r} on lane l as the engine does: its tasks after those
     * queued before (urgent first).
     */
    void enqueue(IterationSim r, int l, int x) {
        Transfers xs = r.transfers;
        long bytes = r.w.bytes(xs.slot[x]);
        long task = model.taskBytes;
        xs.tasksTotal[x] = (int) Math.max(1, (bytes + task - 1) / task);
        xs.tasksStarted[x] = 0;
        xs.tasksRunning[x] = 0;
        xs.state[x] = Transfers.QUEUED;
        r.moving++;
        laneQueue[l].push(xs.urgency[x], xs.seq[x], x * shared.sims.length + r.device);
        fill(l, r.now);
        rerate(r.now);
    }

    /** Starts tasks on lane l, front of its queue first, until its queue depth is in flight. */
    private void fill(int l, long now) {
        LaneModel m = model;
        int devices = shared.sims.length;
        advance(now);
        MinHeap q = laneQueue[l];
        while (laneTasks[l] < m.depth && !q.isEmpty()) {
            int v = q.peekValue();
            IterationSim r = shared.sims[v % devices];
            Transfers xs = r.transfers;
            int x = v / devices;
            if (xs.dropped[x] && xs.tasksStarted[x] == 0) {
                q.pop(); // its tensor was freed before a task of it started: nothing moves
                r.moving--;
                r.changeUsed(-r.w.bytes(xs.slot[x])); // an offload's source or a prefetch's reservation
                xs.release(x);
                continue;
            }
            int i = xs.tasksStarted[x]++;
            if (xs.tasksStarted[x] == xs.tasksTotal[x]) {
                q.pop();
            }
            xs.tasksRunning[x]++;
            xs.state[x] = Transfers.DATA;
            int slot = l * m.depth;
            while (slotPhase[slot] != SLOT_FREE) {
                slot++;
            }
            long total = r.w.bytes(xs.slot[x]);
            long bytes = Math.max(0, Math.min(m.taskBytes, total - i * m.taskBytes));
            slotTransfer[slot] = v;
            slotWrite[slot] = xs.offload[x];
            slotBytes[slot] = bytes;
            slotLeft[slot] = bytes;
            slotRate[slot] = 0;
            laneTasks[l]++;
            shared.laneActivity(l, 1, now);
            long latency = l < shared.ssds ? m.latencyNs[l] : 0;
            if (latency > 0) {
                slotPhase[slot] = SLOT_LATENCY;
                slotFinishAt[slot] = now + latency;
                r.schedule(now + latency, EventQueue.TASK, slot);
            } else {
                slotPhase[slot] = SLOT_DATA;
                slotFinishAt[slot] = -1; // scheduled by rerate
            }
        }
    }

    /** The task in {@code slot} ended its latency (it starts moving bytes) or its bytes are in (it completes). */
    void taskEvent(int slot, long now) {
        if (slotPhase[slot] == SLOT_FREE || slotFinishAt[slot] != now) {
            return; // rescheduled, or ended already
        }
        advance(now);
        if (slotPhase[slot] == SLOT_LATENCY) {
            slotPhase[slot] = SLOT_DATA;
            slotFinishAt[slot] = -1;
            rerate(now);
            return;
        }
        int devices = shared.sims.length;
        int l = slot / model.depth;
        int v = slotTransfer[slot];
        IterationSim r = shared.sims[v % devices];
        Transfers xs = r.transfers;
        int x = v / devices;
        slotPhase[slot] = SLOT_FREE;
        slotTransfer[slot] = -1;
        slotRate[slot] = 0;
        laneTasks[l]--;
        shared.laneActivity(l, -1, now);
        (slotWrite[slot] ? shared.laneBytesWritten : shared.laneBytesRead)[l] += slotBytes[slot];
        if (--xs.tasksRunning[x] == 0 && xs.tasksStarted[x] == xs.tasksTotal[x]) {
            r.complete(x);
        }
        fill(l, now);
        rerate(now);
    }

    /** Moves every task's bytes forward to now at its current rate. */
    private void advance(long now) {
        long dt = now - advancedNs;
        if (dt <= 0) {
            return;
        }
        for (int slot = 0; slot < slotPhase.length; slot++) {
            if (slotPhase[slot] == SLOT_DATA) {
                slotLeft[slot] = Math.max(0, slotLeft[slot] - slotRate[slot] * dt);
            }
        }
        advancedNs = now;
    }

    /**
     * Gives every task moving bytes its rate ({@link LaneModel}: its share of its lane, then of its
     * device's PCIe link in its direction) and schedules its completion; tells each device its
     * links' rates.
     */
    private void rerate(long now) {
        LaneModel m = model;
        int devices = shared.sims.length;
        int[] reads = laneReads;
        int[] writes = laneWrites;
        Arrays.fill(reads, 0);
        Arrays.fill(writes, 0);
        Arrays.fill(linkSum, 0);
        Arrays.fill(ssdSum, 0);
        for (int slot = 0; slot < slotPhase.length; slot++) {
            if (slotPhase[slot] == SLOT_DATA) {
                (slotWrite[slot] ? writes : reads)[slot / m.depth]++;
            }
        }
        for (int slot = 0; slot < slotPhase.length; slot++) {
            if (slotPhase[slot] != SLOT_DATA) {
                continue;
            }
            int l = slot / m.depth;
            boolean write = slotWrite[slot];
            double rate = l < shared.ssds ? m.ssdTaskRate(l, write, reads[l], writes[l])
                    : m.hostTaskRate(write, reads[l] + writes[l]);
            slotRate[slot] = rate;
            int d = slotTransfer[slot] % devices;
            linkSum[2 * d + (write ? TO_HOST : TO_DEVICE)] += rate;
        }
        for (int slot = 0; slot < slotPhase.length; slot++) {
            if (slotPhase[slot] != SLOT_DATA) {
                continue;
            }
            int d = slotTransfer[slot] % devices;
            int link = 2 * d + (slotWrite[slot] ? TO_HOST : TO_DEVICE);
            double cap = shared.sims[d].hardware.pcieBytesPerNs();
            if (linkSum[link] > cap) {
                slotRate[slot] *= cap / linkSum[link];
            }
            if (slot / m.depth < shared.ssds) {
                ssdSum[link] += slotRate[slot];
            }
            long finish = now + IterationSim.nanosFor(slotLeft[slot], slotRate[slot]);
            if (finish != slotFinishAt[slot]) {
                slotFinishAt[slot] = finish;
                shared.sims[d].schedule(finish, EventQueue.TASK, slot);
            }
        }
        for (int d = 0; d < devices; d++) {
            IterationSim r = shared.sims[d];
            for (int link = 0; link < 2; link++) {
                r.linkRates(link, ssdSum[2 * d + link], Math.min(linkSum[2 * d + link], r.hardware.pcieBytesPerNs()));
            }
        }
    }
}
