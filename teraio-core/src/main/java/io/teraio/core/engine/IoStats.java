package io.teraio.core.engine;

/**
 * What an {@link IoEngine} has moved since it was opened. Bytes are the tensors' bytes
 * (without alignment padding) of tasks that succeeded.
 *
 * @param ssdBytesWritten  bytes written to SSDs
 * @param ssdBytesRead     bytes read from SSDs
 * @param hostBytesWritten bytes written to the host tier
 * @param hostBytesRead    bytes read from the host tier
 * @param writes           write requests that completed normally
 * @param reads            read requests that completed normally
 * @param tasks            tasks run (each at most taskSize bytes)
 * @param bouncedTasks     tasks that went through a bounce buffer (unaligned or not host-addressable)
 * @param failedWrites     write requests that failed
 * @param failedReads      read requests that failed (after their retries), CRC mismatches included
 * @param retries          read tasks retried after a failure
 * @param crcMismatches    read tasks whose CRC32C differed from the one written (verify mode)
 * @param zeroBytesSkipped bytes of tasks found all zero ({@code io.skipZeros}): not written, and read back
 *                         as zeros without I/O; counted at each (not in the bytes written or read)
 */
public record IoStats(long ssdBytesWritten, long ssdBytesRead, long hostBytesWritten, long hostBytesRead,
                      long writes, long reads, long tasks, long bouncedTasks, long failedWrites, long failedReads,
                      long retries, long crcMismatches, long zeroBytesSkipped) {
}
