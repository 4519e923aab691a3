package io.teraio.core.engine;

/**
 * What a {@link MigrationEngine} has done since it was opened.
 *
 * @param offloads      offloads completed (the tensor reached OFFLOADED or was kept resident by an acquire)
 * @param prefetches    prefetches completed (the tensor is resident again)
 * @param misses        acquires that found the tensor offloaded and fetched it at once
 * @param stallNs       nanoseconds acquires waited for a tensor to become resident
 * @param failedWrites  offloads whose allocation or write failed (the tensor stayed resident)
 * @param failedReads   prefetches and fetches whose read failed (the tensor stayed offloaded)
 * @param skipped       offloads and prefetches that did not apply (wrong state, unknown tensor)
 * @param crcMismatches reads whose CRC32C did not match the write's (verify mode)
 * @param bytesToSsd    bytes offloaded to SSDs
 * @param bytesFromSsd  bytes read back from SSDs
 * @param bytesToHost   bytes offloaded to the host tier
 * @param bytesFromHost bytes read back from the host tier
 * @param copiesReused  offloads that took the tensor's copy on storage instead of writing (its
 *                      bytes unchanged since, see {@link MigrationEngine#registerWithCopy})
 * @param copyBytesReused the bytes of those offloads: not written
 */
public record EngineStats(long offloads, long prefetches, long misses, long stallNs, long failedWrites,
                          long failedReads, long skipped, long crcMismatches, long bytesToSsd, long bytesFromSsd,
                          long bytesToHost, long bytesFromHost, long copiesReused, long copyBytesReused) {
    /** The counts since {@code earlier}, a snapshot of the same engine taken before this one. */
    public EngineStats minus(EngineStats earlier) {
        return new EngineStats(offloads - earlier.offloads, prefetches - earlier.prefetches, misses - earlier.misses,
                stallNs - earlier.stallNs, failedWrites - earlier.failedWrites, failedReads - earlier.failedReads,
                skipped - earlier.skipped, crcMismatches - earlier.crcMismatches, bytesToSsd - earlier.bytesToSsd,
                bytesFromSsd - earlier.bytesFromSsd, bytesToHost - earlier.bytesToHost,
                bytesFromHost - earlier.bytesFromHost, copiesReused - earlier.copiesReused,
                copyBytesReused - earlier.copyBytesReused);
    }
}
