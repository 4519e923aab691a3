package io.teraio.planner.sim;

/**
 * What the devices of one replay share: the SSD channels (one read and one write channel per
 * SSD, each serving one transfer at a time, urgent ones first, then in issue order across
 * devices), the issue order itself, and the host memory that offloaded tensors occupy. A
 * replay of one device has its own.
 */
final class Shared {
    /** The devices' replays, by device index. */
    final Replay[] replays;
    /** Channel {@code 2 * ssd} (reads) and {@code 2 * ssd + 1} (writes): whether a transfer holds it. */
    final boolean[] busy;
    /** Waiting transfers per channel, valued {@code transfer * replays.length + device}. */
    final MinHeap[] queue;
    /** The last issue number given to a transfer, on any device. */
    long issueSeq;
    /** Host memory held by offloaded tensors of every device. */
    long hostUsed;

    Shared(int ssds, int devices) {
        replays = new Replay[devices];
        busy = new boolean[2 * ssds];
        queue = new MinHeap[2 * ssds];
        for (int c = 0; c < queue.length; c++) {
            queue[c] = new MinHeap();
        }
    }
}
