package io.teraio.planner.sim;

import static io.teraio.planner.sim.DeviceHardware.link;

import io.teraio.planner.Workload;

/**
 * One device's PCIe link in each direction as a profile without probe results shares it
 * (docs/simulator.md, "Channels and links"): max-min fairly among the transfers moving bytes over
 * it. SSD flows, each capped by its SSD's bandwidth, take the smaller of that and an equal share
 * of what is left; the host flow (no cap of its own; host transfers of a direction move one at
 * a time, the others wait in a queue, urgent first, then in issue order) takes the rest. Rates
 * are recomputed whenever a flow starts or ends, and each flow's completion is rescheduled when
 * its rate changed.
 */
final class Links {
    private final IterationSim sim;
    private final Workload w;
    private final Transfers xs;
    private final Shared shared;
    private final DeviceHardware hardware;

    /** Per direction: the SSD flows moving bytes. */
    private final int[][] linkFlows;
    private final int[] linkFlowCount = new int[2];
    /** Per direction: the host flows, by the link service at which each completes. */
    private final MinHeap[] hostFlows = {new MinHeap(), new MinHeap()};
    /** Per direction: host transfers waiting for the one moving, urgent first, then in issue order. */
    private final MinHeap[] hostQueue = {new MinHeap(), new MinHeap()};
    /** Per direction: the bytes each host flow has been given so far, and the rate it gets now. */
    private final double[] hostService = new double[2];
    private final double[] hostRate = new double[2];
    private final long[] hostFinishAt = {-1, -1};
    private final long[] linkAdvancedNs = new long[2];

    Links(IterationSim sim, Workload w, Transfers xs, Shared shared, DeviceHardware hardware) {
        this.sim = sim;
        this.w = w;
        this.xs = xs;
        this.shared = shared;
        this.hardware = hardware;
        linkFlows = new int[][] {new int[hardware.ssds()], new int[hardware.ssds()]};
    }

    /** Transfer x, holding its SSD's channel, starts moving bytes over the link. */
    void beginData(int x) {
        int l = link(xs.offload[x]);
        advance(l);
        linkFlows[l][linkFlowCount[l]++] = x;
        xs.state[x] = Transfers.DATA;
        xs.moved[x] = 0;
        xs.finishAt[x] = -1; // no completion event scheduled yet
        rerate(l);
    }

    /**
     * Transfer x to or from host memory starts moving over the link, or, while another host
     * transfer moves in its direction, waits for it: host transfers of a direction move one at a
     * time, urgent ones first, then in issue order, as the engine's host lane serves its queue.
     */
    void startHostFlow(int x) {
        shared.laneActivity(sim.hostLane(), 1, sim.now);
        int l = link(xs.offload[x]);
        if (!hostFlows[l].isEmpty() || !hostQueue[l].isEmpty()) {
            xs.state[x] = Transfers.QUEUED;
            hostQueue[l].push(xs.urgency[x], xs.seq[x], x);
            return;
        }
        beginHostFlow(l, x);
    }

    private void beginHostFlow(int l, int x) {
        advance(l);
        sim.moving++;
        xs.state[x] = Transfers.DATA;
        xs.moved[x] = hostService[l] + w.bytes(xs.slot[x]); // the link's service at which it completes
        hostFlows[l].push(Double.doubleToRawLongBits(xs.moved[x]), xs.seq[x], x);
        rerate(l);
    }

    /**
     * An SSD flow's bytes are in (event FLOW_END): it leaves the link, and its channel is let go.
     * A stale event (the flow's completion was rescheduled) does nothing.
     */
    void flowEnded(int x, Channels channels) {
        if (xs.state[x] != Transfers.DATA || xs.finishAt[x] != sim.now || xs.ssd[x] == TensorPlaces.HOST) {
            return;
        }
        int l = link(xs.offload[x]);
        advance(l);
        int[] flows = linkFlows[l];
        int count = linkFlowCount[l];
        for (int i = 0; i < count; i++) {
            if (flows[i] == x) {
                flows[i] = flows[count - 1];
                break;
            }
        }
        linkFlowCount[l]--;
        rerate(l);
        channels.finished(x);
    }

    /** The first host flow on link l is in (event HOST_FLOW_END), unless the event was stale. */
    void hostFlowEnded(int l) {
        if (hostFinishAt[l] != sim.now || hostFlows[l].isEmpty()) {
            return;
        }
        advance(l);
        int x = hostFlows[l].pop();
        int hostLane = sim.hostLane();
        shared.laneActivity(hostLane, -1, sim.now);
        shared.laneBytesWritten[hostLane] += xs.offload[x] ? w.bytes(xs.slot[x]) : 0;
        shared.laneBytesRead[hostLane] += xs.offload[x] ? 0 : w.bytes(xs.slot[x]);
        sim.complete(x);
        while (hostFlows[l].isEmpty() && !hostQueue[l].isEmpty()) {
            int next = hostQueue[l].pop();
            if (xs.dropped[next]) { // freed while it waited: it moves nothing
                shared.laneActivity(hostLane, -1, sim.now);
                sim.changeUsed(-w.bytes(xs.slot[next])); // an offload's source or a prefetch's reservation
                xs.release(next);
            } else {
                beginHostFlow(l, next);
            }
        }
        rerate(l);
    }

    /** Moves every flow on link l forward to now at its current rate. */
    private void advance(int l) {
        long dt = sim.now - linkAdvancedNs[l];
        if (dt <= 0) {
            return;
        }
        int[] flows = linkFlows[l];
        for (int i = 0; i < linkFlowCount[l]; i++) {
            xs.moved[flows[i]] += xs.rate[flows[i]] * dt;
        }
        hostService[l] += hostRate[l] * dt;
        linkAdvancedNs[l] = sim.now;
    }

    /**
     * Shares link l max-min fairly: SSD flows in ascending order of their SSD's bandwidth take
     * the smaller of that bandwidth and an equal share of what is left; host flows (no cap of
     * their own) split the rest equally. Schedules the completions at the new rates.
     */
    private void rerate(int l) {
        long now = sim.now;
        int[] flows = linkFlows[l];
        int count = linkFlowCount[l];
        for (int i = 1; i < count; i++) {
            int x = flows[i];
            double cap = cap(x);
            int j = i - 1;
            while (j >= 0 && cap(flows[j]) > cap) {
                flows[j + 1] = flows[j];
                j--;
            }
            flows[j + 1] = x;
        }
        int hosts = hostFlows[l].size();
        int sharing = count + hosts;
        double left = hardware.pcieBytesPerNs();
        double ssdRate = 0;
        for (int i = 0; i < count; i++) {
            int x = flows[i];
            double rate = Math.min(cap(x), left / sharing);
            sharing--;
            left -= rate;
            ssdRate += rate;
            xs.rate[x] = rate;
            long finish = now + IterationSim.nanosFor(w.bytes(xs.slot[x]) - xs.moved[x], rate);
            if (finish != xs.finishAt[x]) { // otherwise its pending event still stands
                xs.finishAt[x] = finish;
                sim.schedule(finish, EventQueue.FLOW_END, x);
            }
        }
        if (hosts > 0) {
            hostRate[l] = left / hosts;
            double target = Double.longBitsToDouble(hostFlows[l].peekFirst());
            hostFinishAt[l] = now + IterationSim.nanosFor(target - hostService[l], hostRate[l]);
            sim.schedule(hostFinishAt[l], EventQueue.HOST_FLOW_END, l);
        } else {
            hostRate[l] = 0;
            hostFinishAt[l] = -1;
        }
        sim.linkRates(l, ssdRate, ssdRate + (hosts > 0 ? left : 0));
    }

    /** The most transfer x moves at: its SSD's bandwidth in its direction. */
    private double cap(int x) {
        return xs.offload[x] ? hardware.ssdWriteBytesPerNs()[xs.ssd[x]] : hardware.ssdReadBytesPerNs()[xs.ssd[x]];
    }
}
