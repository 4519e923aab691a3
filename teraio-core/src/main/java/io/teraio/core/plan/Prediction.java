package io.teraio.core.plan;

/**
 * What the simulator predicts for one steady-state iteration under a plan.
 *
 * @param iterationNs     the iteration's time
 * @param idealNs         the time with unlimited device memory (the sum of op durations)
 * @param stallNs         compute time lost waiting for migrations or memory
 * @param peakDeviceBytes the most device bytes resident at once
 * @param bytesToSsd      bytes written to SSDs per iteration
 * @param bytesFromSsd    bytes read from SSDs per iteration
 * @param bytesToHost     bytes moved to host memory per iteration
 * @param bytesFromHost   bytes moved from host memory per iteration
 */
public record Prediction(long iterationNs, long idealNs, long stallNs, long peakDeviceBytes, long bytesToSsd,
                         long bytesFromSsd, long bytesToHost, long bytesFromHost) {
    /** {@code 100 * idealNs / iterationNs}: 100 means no slowdown. */
    public double percentOfIdeal() {
        return iterationNs <= 0 ? 100.0 : 100.0 * idealNs / iterationNs;
    }
}
