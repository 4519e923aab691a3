package io.teraio.core.session;

/**
 * What a {@link TeraioSession} has done since it was opened.
 *
 * @param mode                        the session's mode
 * @param iterations                  iterations ended
 * @param ops                         ops ended
 * @param planFromIteration           the first iteration the plan applied to, or -1 while there is no plan
 * @param peakResidentBytes           the most device memory the session's tensors held at once (buffers
 *                                    of resident tensors, and of tensors being read back)
 * @param budgetBytes                 the device memory's capacity ({@code deviceMemory})
 * @param bytesOffloaded              bytes written to SSDs and host memory
 * @param bytesPrefetched             bytes read back
 * @param stallNs                     time the trainer's calls waited: for prefetches and fetches, for
 *                                    device memory, for offloads to make room
 * @param misses                      tensors needed while offloaded and read back at once
 * @param evictions                   tensors offloaded on demand because an allocation or fetch did not
 *                                    fit (no plan, or the plan did not cover it)
 * @param divergences                 iterations whose op sequence left the plan's (name or count), for
 *                                    which the plan stopped applying
 * @param planIssued                  plan entries issued
 * @param planSkipped                 plan entries that did not apply to their tensor's state
 * @param predictedPeakBytes          the simulator's peak resident bytes under the plan, or -1
 * @param predictedUnconstrainedBytes the simulator's peak resident bytes with nothing moved, or -1
 * @param deviceUsedBytes             the device's own count of its used bytes now, CUDA's
 *                                    ({@code cudaMemGetInfo}), beside the ledger above; -1 with host memory
 * @param systemPeakBytes             the most device memory the system gave the session's engine, as the
 *                                    system counts it ({@link io.teraio.core.storage.DeviceMemory#systemPeakBytes}:
 *                                    host memory's arena pages in RAM, from {@code /proc/self/pagemap}), the
 *                                    ledger's {@code peakResidentBytes} measured by the OS; -1 where it cannot tell
 */
public record SessionStats(SessionMode mode, long iterations, long ops, long planFromIteration,
                           long peakResidentBytes, long budgetBytes, long bytesOffloaded, long bytesPrefetched,
                           long stallNs, long misses, long evictions, long divergences, long planIssued,
                           long planSkipped, long predictedPeakBytes, long predictedUnconstrainedBytes,
                           long deviceUsedBytes, long systemPeakBytes) {
    /** Whether the resident bytes stayed within the budget (the device memory enforces it). */
    public boolean withinBudget() {
        return peakResidentBytes <= budgetBytes;
    }
}
