package io.teraio.cli.trace;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.profiler.importer.ImportOptions;

/**
 * The {@code --tflops} and {@code --mem-bw} options that estimate op durations from FLOPs
 * and bytes, with an H100's rates when they are not given.
 */
final class Rates {
    private Rates() {
    }

    /** {@code --tflops X} in FLOP/s, or an H100's 989 TFLOP/s when it is {@code null}. */
    static double flopsPerSecond(Double tflops) {
        if (tflops == null) {
            return ImportOptions.H100_FLOPS_PER_SECOND;
        }
        if (!(tflops > 0) || !Double.isFinite(tflops * 1e12)) {
            throw new TeraioException("--tflops: must be positive and finite, got " + tflops);
        }
        return tflops * 1e12;
    }

    /** {@code --mem-bw SIZE} in bytes per second, or an H100's 3.35 TB/s when it is {@code null}. */
    static double memoryBytesPerSecond(String memoryBandwidth) {
        if (memoryBandwidth == null) {
            return ImportOptions.H100_MEMORY_BYTES_PER_SECOND;
        }
        long bytesPerSecond = Units.parseBytesWithUnit("--mem-bw", memoryBandwidth);
        if (bytesPerSecond <= 0) {
            throw new TeraioException("--mem-bw: must be positive, got " + memoryBandwidth);
        }
        return bytesPerSecond;
    }
}
