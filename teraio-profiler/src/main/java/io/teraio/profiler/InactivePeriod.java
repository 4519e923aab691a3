package io.teraio.profiler;

/**
 * A run of consecutive ops during which a live tensor is not used: the window in which it
 * could sit on an SSD or in host memory instead of on the device.
 *
 * <p>The idle ops are {@code firstOp..lastOp} inclusive. When {@code lastOp < firstOp} the
 * period {@linkplain #wraps() wraps}: it runs from {@code firstOp} to the last op of the
 * trace and continues from op 0 through {@code lastOp}, into the next iteration (only a
 * persistent tensor's period wraps).
 *
 * @param tensorId   the tensor's id
 * @param bytes      the tensor's size
 * @param firstOp    the first idle op
 * @param lastOp     the last idle op (inclusive)
 * @param durationNs the sum of the idle ops' durations
 */
public record InactivePeriod(int tensorId, long bytes, int firstOp, int lastOp, long durationNs) {
    /** Whether the period runs past the last op of the trace and continues from op 0. */
    public boolean wraps() {
        return lastOp < firstOp;
    }
}
