/**
 * Where tensor bytes live: the {@link io.teraio.core.storage.StorageBackend} SPI for offloaded
 * bytes (O_DIRECT files, host memory; cuFile comes through the GDS bridge), the
 * {@link io.teraio.core.storage.DeviceMemory} SPI for resident ones (host memory here; CUDA
 * through the GDS bridge), and their errors.
 */
package io.teraio.core.storage;
