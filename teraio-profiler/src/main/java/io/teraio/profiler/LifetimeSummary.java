package io.teraio.profiler;

/**
 * The figures {@code teraio analyze} prints for a trace. The rules are those of
 * {@link LifetimeAnalyzer}.
 *
 * @param tensorCount        the number of tensors
 * @param opCount            the number of ops
 * @param iterationCount     the number of iterations
 * @param totalBytes         the sum of all tensors' bytes
 * @param peakLiveBytes      the most bytes live at one op
 * @param peakLiveOp         the first op at which {@code peakLiveBytes} are live
 * @param totalDurationNs    the sum of all op durations
 * @param meanActiveFraction active bytes over live bytes, averaged over the ops with live
 *                           bytes and weighted by their durations
 * @param maxActiveFraction  the largest active-over-live fraction of one op
 * @param idleHistogram      the inactive periods by duration (bounds 10 µs, 100 µs, 1 ms,
 *                           10 ms, 100 ms, 1 s, then unbounded)
 * @param idleBytesOver1ms   the bytes of the tensors with an inactive period longer than 1 ms
 * @param idleBytesOver10ms  the same for 10 ms
 * @param idleBytesOver100ms the same for 100 ms
 */
public record LifetimeSummary(int tensorCount, int opCount, int iterationCount, long totalBytes,
                              long peakLiveBytes, int peakLiveOp, long totalDurationNs,
                              double meanActiveFraction, double maxActiveFraction,
                              IdleHistogram idleHistogram, long idleBytesOver1ms,
                              long idleBytesOver10ms, long idleBytesOver100ms) {
}
