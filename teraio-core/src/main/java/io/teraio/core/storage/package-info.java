/**
 * Where tensor bytes live: the {@link io.teraio.core.storage.StorageBackend} SPI for offloaded
 * bytes (O_DIRECT files, host memory; cuFile comes through the GDS bridge), the
 * {@link io.teraio.core.storage.DeviceMemory} SPI for resident ones (host memory here; CUDA
 * through the GDS bridge), and their errors.
 *
 * <p>Implementations and their parts:
 * <ul>
 *   <li>{@link io.teraio.core.storage.RunDirectory}: the per-run directory (0700, files 0600)
 *       offload files live in, deleted on close, at exit, and on the next start after a crash;</li>
 *   <li>{@link io.teraio.core.storage.PosixStorageBackend}: one preallocated O_DIRECT file per
 *       SSD;</li>
 *   <li>{@link io.teraio.core.storage.HostStorageBackend}: the host tier, off-heap blocks under a
 *       cap;</li>
 *   <li>{@link io.teraio.core.storage.HostDeviceMemory}: device memory in off-heap host memory,
 *       its capacity kept by a {@link io.teraio.core.storage.MemoryBudget} (blocking takes for
 *       the op that runs now, FIFO reservations for prefetches);</li>
 *   <li>{@link io.teraio.core.storage.BudgetedDeviceMemory}: the capacity, allocations and
 *       reservations every device memory shares.</li>
 * </ul>
 *
 * <p>What core does not build itself plugs in through {@link java.util.ServiceLoader}:
 * {@link io.teraio.core.storage.BackendProvider} (cuFile, from {@code teraio-gds-native}) and
 * {@link io.teraio.core.storage.DeviceMemoryProvider} (CUDA memory), each saying whether it can
 * be used here with an {@link io.teraio.core.storage.Availability} and its reason.
 *
 * <p>The parts these are built from (aligned native memory, extents, the POSIX calls) are in
 * {@link io.teraio.core.internal.storage}, which is not API.
 */
package io.teraio.core.storage;
