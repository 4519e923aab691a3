package io.teraio.core.hardware;

/**
 * One SSD (or one offload directory on it).
 *
 * @param id                  its index, as in a plan entry's {@code ssd}
 * @param directory           where offload files go (may be {@code null} for planning only)
 * @param readBytesPerSecond  sequential read bandwidth (positive)
 * @param writeBytesPerSecond sequential write bandwidth (positive)
 * @param latencyNs           time before the first byte of a request moves (not negative)
 * @param device              the device it serves, or -1 for any
 */
public record Ssd(int id, String directory, long readBytesPerSecond, long writeBytesPerSecond, long latencyNs,
                  int device) {
}
