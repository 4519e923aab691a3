package io.teraio.planner.sim;

/**
 * What the devices of one simulation share: the SSD channels (one read and one write channel per
 * SSD, each serving one transfer at a time, urgent ones first, then in issue order across
 * devices; {@link Channels} moves the transfers) or, with a {@link LaneModel}, the engine's
 * {@link Lanes} (one per SSD, shared, and one host lane per device); the issue order itself; the
 * host memory that offloaded tensors occupy; and each lane's bytes and busy time. A simulation of
 * one device has its own.
 */
final class Shared {
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

    /** Lanes: SSD {@code i} is lane {@code i}, device {@code d}'s host tier lane {@code ssds + d}. */
    final int ssds;
    final int laneCount;
    /** The engine model's lanes, or null for the profile's channels. */
    final Lanes lanes;

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
        this.ssds = ssds;
        this.laneCount = ssds + devices;
        this.lanes = model == null ? null : new Lanes(this, model, devices);
        laneBytesRead = new long[laneCount];
        laneBytesWritten = new long[laneCount];
        laneBusyNs = new long[laneCount];
        laneBusySince = new long[laneCount];
        laneActive = new int[laneCount];
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
