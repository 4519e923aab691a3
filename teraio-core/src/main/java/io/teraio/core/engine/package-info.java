/**
 * The migration engine: {@link io.teraio.core.engine.IoEngine} moves bytes between
 * {@link io.teraio.core.storage.DeviceBuffer}s and {@link io.teraio.core.storage.StorageBackend}s
 * (the mechanism: tasks, queues, workers, bounce buffers, CRC32C); {@link
 * io.teraio.core.engine.MigrationEngine} keeps each tensor's state (its
 * package-private {@code TensorTable}) and offloads, prefetches and fetches it; {@link
 * io.teraio.core.engine.PlanRuntime} executes a plan against a stream of ops (the policy; the
 * agent, the embedding API and {@code teraio replay} are adapters over it);
 * {@link io.teraio.core.engine.BackendSelection} picks the SSD backend and the device memory
 * {@code MigrationEngine.open} uses, and says why; {@link io.teraio.core.engine.DeviceEngines}
 * opens one engine per GPU.
 */
package io.teraio.core.engine;
