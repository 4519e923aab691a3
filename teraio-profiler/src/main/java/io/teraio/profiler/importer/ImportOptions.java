package io.teraio.profiler.importer;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Options of an import; each importer uses those that apply to it.
 *
 * @param kinetoFile            a Kineto (Chrome) trace paired with a PyTorch execution trace,
 *                              giving real kernel durations, or {@code null}
 * @param flopsPerSecond        the compute rate used to estimate op durations without Kineto
 * @param memoryBytesPerSecond  the memory bandwidth used to estimate op durations without Kineto
 * @param cpuAsDevice           plan the CPU's tensors as device 0's (a CPU run) instead of the
 *                              GPU's; without it a trace whose tensors are all on the CPU is an
 *                              error that says so
 * @param bytesRead             told the bytes read from the input files (compressed bytes of a
 *                              compressed file) as they are read, for progress; may be called
 *                              often, from the importing thread
 */
public record ImportOptions(Path kinetoFile, double flopsPerSecond, double memoryBytesPerSecond,
                            boolean cpuAsDevice, LongConsumer bytesRead) {
    private static final LongConsumer IGNORED = bytes -> {
    };

    /** An NVIDIA H100 SXM: 989 TFLOP/s dense BF16, 3.35 TB/s HBM3. */
    public static final double H100_FLOPS_PER_SECOND = 989e12;
    /** An NVIDIA H100 SXM: 3.35 TB/s of HBM3 bandwidth. */
    public static final double H100_MEMORY_BYTES_PER_SECOND = 3.35e12;

    public ImportOptions {
        if (!(flopsPerSecond > 0) || !(memoryBytesPerSecond > 0)) {
            throw new IllegalArgumentException("flopsPerSecond and memoryBytesPerSecond must be positive, got "
                    + flopsPerSecond + " and " + memoryBytesPerSecond);
        }
        Objects.requireNonNull(bytesRead, "bytesRead");
    }

    /** Options that report no progress. */
    public ImportOptions(Path kinetoFile, double flopsPerSecond, double memoryBytesPerSecond) {
        this(kinetoFile, flopsPerSecond, memoryBytesPerSecond, false, IGNORED);
    }

    /** These options, telling {@code listener} the bytes read. */
    public ImportOptions withBytesRead(LongConsumer listener) {
        return new ImportOptions(kinetoFile, flopsPerSecond, memoryBytesPerSecond, cpuAsDevice, listener);
    }

    /** These options, planning the CPU's tensors as the device's when {@code cpu} is true. */
    public ImportOptions withCpuAsDevice(boolean cpu) {
        return new ImportOptions(kinetoFile, flopsPerSecond, memoryBytesPerSecond, cpu, bytesRead);
    }

    /** No Kineto file, H100 rates. */
    public static ImportOptions defaults() {
        return new ImportOptions(null, H100_FLOPS_PER_SECOND, H100_MEMORY_BYTES_PER_SECOND);
    }
}
