package io.teraio.planner.sim;

import io.teraio.planner.Workload;

/**
 * One device's side of the SSD channels of a profile without probe results (docs/simulator.md,
 * "Channels and links"): each SSD's read and write channel ({@link Shared#busy}, shared by the
 * devices of a job) serves one transfer at a time, urgent ones first, then in issue order, and
 * holds it for the SSD's latency, then while its bytes move over the device's {@link Links}.
 */
final class Channels {
    private final IterationSim sim;
    private final Workload w;
    private final Transfers xs;
    private final Shared shared;
    private final int device;
    private final DeviceHardware hardware;
    private final Links links;
    /** Transfers of this device queued on an SSD channel that another device's transfer holds. */
    int queued;

    Channels(IterationSim sim, Workload w, Transfers xs, Shared shared, int device, DeviceHardware hardware,
             Links links) {
        this.sim = sim;
        this.w = w;
        this.xs = xs;
        this.shared = shared;
        this.device = device;
        this.hardware = hardware;
        this.links = links;
    }

    private static int channel(int ssd, boolean offload) {
        return 2 * ssd + (offload ? 1 : 0);
    }

    /** Queues transfer x on its SSD's channel, or starts it there if the channel is free. */
    void enqueue(int x) {
        int c = channel(xs.ssd[x], xs.offload[x]);
        xs.state[x] = Transfers.QUEUED;
        if (!shared.busy[c]) {
            start(c, x);
        } else {
            shared.queue[c].push(xs.urgency[x], xs.seq[x], x * shared.sims.length + device);
            queued++;
        }
    }

    /** Serves channel c's queue, whichever device each transfer belongs to, until one holds the channel. */
    private void startNext(int c) {
        MinHeap queue = shared.queue[c];
        int devices = shared.sims.length;
        while (!shared.busy[c] && !queue.isEmpty()) {
            int v = queue.pop();
            shared.sims[v % devices].channels.startQueued(c, v / devices);
        }
    }

    private void startQueued(int c, int x) {
        queued--;
        if (xs.dropped[x]) {
            sim.changeUsed(-w.bytes(xs.slot[x])); // an offload's source or a prefetch's reservation
            xs.release(x);
        } else {
            start(c, x);
        }
    }

    private void start(int c, int x) {
        shared.busy[c] = true;
        sim.moving++;
        long now = sim.now;
        shared.laneActivity(xs.ssd[x], 1, now);
        long latency = hardware.ssdLatencyNs()[xs.ssd[x]];
        if (latency > 0) {
            xs.state[x] = Transfers.LATENCY;
            xs.finishAt[x] = now + latency;
            sim.schedule(now + latency, EventQueue.LATENCY_END, x);
        } else {
            links.beginData(x);
        }
    }

    /** Transfer x's latency ended (event LATENCY_END): its bytes start moving, unless the event was stale. */
    void latencyEnded(int x) {
        if (xs.state[x] == Transfers.LATENCY && xs.finishAt[x] == sim.now) {
            links.beginData(x);
        }
    }

    /** Transfer x's bytes are in: it lets go of its channel, completes, and the channel serves its queue. */
    void finished(int x) {
        int c = channel(xs.ssd[x], xs.offload[x]);
        shared.busy[c] = false;
        shared.laneActivity(xs.ssd[x], -1, sim.now);
        (xs.offload[x] ? shared.laneBytesWritten : shared.laneBytesRead)[xs.ssd[x]] += w.bytes(xs.slot[x]);
        sim.complete(x);
        startNext(c);
    }
}
