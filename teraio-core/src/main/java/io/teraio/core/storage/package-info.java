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
 *       SSD, space handed out by an {@link io.teraio.core.storage.ExtentAllocator};</li>
 *   <li>{@link io.teraio.core.storage.HostStorageBackend}: the host tier, off-heap blocks under a
 *       cap;</li>
 *   <li>{@link io.teraio.core.storage.HostDeviceMemory}: device memory in off-heap host memory,
 *       its capacity kept by a {@link io.teraio.core.storage.MemoryBudget} (blocking takes for
 *       the op that runs now, FIFO reservations for prefetches);</li>
 *   <li>{@link io.teraio.core.storage.NativeBlock}: aligned off-heap memory freed on close.</li>
 * </ul>
 */
package io.teraio.core.storage;
