package io.teraio.probe;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.engine.Placement;
import io.teraio.core.hardware.ProbeResults;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.storage.DeviceBuffer;
import java.util.Arrays;

/**
 * What {@code teraio probe} measures of an engine's SSD 0, through the engine: sequential write
 * and read bandwidth, the latency of a 4 KiB read, reads while writing, one task's time each
 * way, and the per-migration overhead. The benchmarks' {@code EngineModelCheck} probes storage
 * of known speed the same way.
 */
public final class EngineProbe {
    private static final int LATENCY_SAMPLES = 200;

    /** One SSD as the profile's {@code ssds} and the probe results' {@code ssds} hold it. */
    public record Measured(Ssd ssd, ProbeResults.SsdResults results) {
    }

    private EngineProbe() {
    }

    /**
     * Measures {@code engine}'s SSD 0 over {@code sizeBytes}, reporting it as SSD {@code id} in
     * {@code directory} (null when it has none).
     */
    public static Measured ssd(MigrationEngine engine, TeraioConfig config, long sizeBytes, int id, String directory) {
        return ssd(engine, config, sizeBytes, id, directory, ByteProgress.NONE);
    }

    /** {@link #ssd(MigrationEngine, TeraioConfig, long, int, String)}, showing the bytes moved on {@code progress}. */
    public static Measured ssd(MigrationEngine engine, TeraioConfig config, long sizeBytes, int id, String directory,
                               ByteProgress progress) {
        IoBench.SsdProbe probe = IoBench.probeSsd(engine, config, sizeBytes, progress);
        long latency = latencyNs(engine);
        IoBench.Bandwidth bw = probe.sequential();
        IoBench.Bandwidth mixed = probe.mixed();
        return new Measured(new Ssd(id, directory, bw.readBytesPerSecond(), bw.writeBytesPerSecond(), latency, -1),
                new ProbeResults.SsdResults(id, mixed.readBytesPerSecond(), mixed.writeBytesPerSecond(),
                        probe.readTaskNs(), probe.writeTaskNs()));
    }

    /** The engine's per-migration overhead on the issuing thread, to its SSD 0 (probe's {@code migrationNs}). */
    public static long migrationNs(MigrationEngine engine, TeraioConfig config) {
        return IoBench.migrationNs(engine, 0, config.taskSizeBytes());
    }

    /** The median time of a 4 KiB read, one at a time, through the engine. */
    private static long latencyNs(MigrationEngine opened) {
        IoEngine io = opened.io();
        Placement p = io.allocate(4096, 0);
        DeviceBuffer buffer = opened.memory().tryAllocate(4096);
        try {
            IoEngine.stampPages(buffer);
            io.write("probe", p, buffer, true).join();
            long[] samples = new long[LATENCY_SAMPLES];
            for (int i = 0; i < samples.length; i++) {
                long start = System.nanoTime();
                io.read("probe", p, buffer, true).join();
                samples[i] = System.nanoTime() - start;
            }
            Arrays.sort(samples);
            return samples[samples.length / 2];
        } finally {
            buffer.close();
            io.release(p);
        }
    }
}
