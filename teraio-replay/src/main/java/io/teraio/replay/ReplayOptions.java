package io.teraio.replay;

/**
 * How {@link TraceReplay} runs.
 *
 * @param iterations         iterations to run, the last one reported (at least 1; default 3,
 *                           as the simulator)
 * @param memoryTimeoutNanos how long an op may wait for device memory before the replay fails
 *                           (nothing is freeing any)
 * @param checkBytes         check every tensor's content at every use (a stamp per 4 KiB page)
 */
public record ReplayOptions(int iterations, long memoryTimeoutNanos, boolean checkBytes) {
    /** 3 iterations, 60 s for memory, bytes checked. */
    public static final ReplayOptions DEFAULT = new ReplayOptions(3, 60_000_000_000L, true);

    public ReplayOptions {
        if (iterations < 1) {
            throw new IllegalArgumentException("ReplayOptions: iterations must be at least 1, got " + iterations);
        }
        if (memoryTimeoutNanos <= 0) {
            throw new IllegalArgumentException("ReplayOptions: memoryTimeoutNanos must be positive");
        }
    }
}
