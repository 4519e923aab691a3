package io.teraio.profiler.importer;

import java.nio.file.Path;

/**
 * Options of an import; each importer uses those that apply to it.
 *
 * @param kinetoFile            a Kineto (Chrome) trace paired with a PyTorch execution trace,
 *                              giving real kernel durations, or {@code null}
 * @param flopsPerSecond        the compute rate used to estimate op durations without Kineto
 * @param memoryBytesPerSecond  the memory bandwidth used to estimate op durations without Kineto
 */
public record ImportOptions(Path kinetoFile, double flopsPerSecond, double memoryBytesPerSecond) {
    /** An NVIDIA H100 SXM: 989 TFLOP/s dense BF16, 3.35 TB/s HBM3. */
    public static final double H100_FLOPS_PER_SECOND = 989e12;
    /** An NVIDIA H100 SXM: 3.35 TB/s of HBM3 bandwidth. */
    public static final double H100_MEMORY_BYTES_PER_SECOND = 3.35e12;

    public ImportOptions {
        if (!(flopsPerSecond > 0) || !(memoryBytesPerSecond > 0)) {
            throw new IllegalArgumentException("flopsPerSecond and memoryBytesPerSecond must be positive, got "
                    + flopsPerSecond + " and " + memoryBytesPerSecond);
        }
    }

    /** No Kineto file, H100 rates. */
    public static ImportOptions defaults() {
        return new ImportOptions(null, H100_FLOPS_PER_SECOND, H100_MEMORY_BYTES_PER_SECOND);
    }
}
