package io.teraio.core.engine;

/**
 * What one lane of an {@link IoEngine} (an SSD, or the host tier) did: the bytes its tasks
 * moved each way and the time it had at least one task in flight. The simulator reports its
 * lanes the same way, so that a replay's measured and predicted lanes compare one to one.
 *
 * @param lane         {@code ssd0}, {@code ssd1}, ..., or {@code host}
 * @param bytesWritten bytes of the write tasks (offloads) that completed
 * @param bytesRead    bytes of the read tasks (prefetches) that completed
 * @param busyNs       nanoseconds with at least one task in flight
 */
public record LaneStats(String lane, long bytesWritten, long bytesRead, long busyNs) {
    /** The counts since {@code earlier}, a snapshot of the same lane taken before this one. */
    public LaneStats minus(LaneStats earlier) {
        if (!lane.equals(earlier.lane)) {
            throw new IllegalArgumentException("lane stats of " + lane + " minus those of " + earlier.lane);
        }
        return new LaneStats(lane, bytesWritten - earlier.bytesWritten, bytesRead - earlier.bytesRead,
                busyNs - earlier.busyNs);
    }
}
