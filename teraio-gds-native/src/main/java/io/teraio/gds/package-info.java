/**
 * teraio's GDS bridge: GPU memory to NVMe files and back through NVIDIA cuFile (GPUDirect
 * Storage), with a pinned-buffer O_DIRECT path when cuFile is missing.
 *
 * <ul>
 *   <li>{@link io.teraio.gds.Gds}: whether cuFile is available here and the precise reason
 *       when not; the shim ({@code src/main/c}, packaged in this jar) {@code dlopen}s
 *       {@code libcufile.so.0}, so this module loads on machines without CUDA;</li>
 *   <li>{@link io.teraio.gds.CuFileHandle}, {@link io.teraio.gds.CuFileBuffer},
 *       {@link io.teraio.gds.GdsBatch}: registered files, registered buffers, the batch API;</li>
 *   <li>{@link io.teraio.gds.GdsStorageBackend}: the engine's {@code gds} backend, found
 *       through {@link io.teraio.gds.GdsBackendProvider};</li>
 *   <li>{@link io.teraio.gds.CudaDeviceMemory}: CUDA memory through JCuda, found through
 *       {@link io.teraio.gds.CudaMemoryProvider} ({@code memory=cuda}); {@link io.teraio.gds.Cuda}
 *       reports the devices.</li>
 * </ul>
 * Every native call is in the package-private {@code CuFileNative}; its codes become
 * exceptions in {@code GdsErrors} alone. See docs/gpu.md.
 */
package io.teraio.gds;
