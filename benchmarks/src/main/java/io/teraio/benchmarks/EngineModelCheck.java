package io.teraio.benchmarks;

import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.LaneStats;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.ProbeResults;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.storage.Extent;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.StorageBackend;
import io.teraio.core.trace.TraceReader;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.Policies;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import io.teraio.probe.EngineProbe;
import io.teraio.replay.ReplayOptions;
import io.teraio.replay.ReplayResult;
import io.teraio.replay.TraceReplay;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine model against the engine itself, with the disk taken out: the replay runs on
 * storage of known speed (host memory behind {@link PacedBackend}: each read or write takes
 * the latency plus its bytes at a fixed rate, however many run at once), probed once the way
 * {@code teraio probe} probes a directory ({@link EngineProbe}), and the simulator predicts the
 * replay from those probe results. What is left between the two is the model's own error and
 * the machine's (the compute stream's timing, the workers' CPU), not a disk's mood.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.teraio.benchmarks.EngineModelCheck TRACE [ROUNDS]}:
 * probes the paced storage, plans the trace with the teraio policy at 1/2 and 2/3 of its peak
 * (SSD only) for the probed profile, replays each plan ROUNDS times (default 5), alternating,
 * and prints measured against predicted.
 */
public final class EngineModelCheck {
    private static final long TASK_BYTES = 4L << 20;
    private static final int DEPTH = 8;
    /** One task's rate: 8 in flight make 1 GiB/s each way. */
    private static final long TASK_BYTES_PER_SECOND = (1L << 30) / DEPTH;
    private static final long LATENCY_NS = 100_000;

    private EngineModelCheck() {
    }

    public static void main(String[] args) {
        Workload workload = Workload.of(TraceReader.read(Path.of(args[0])));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;

        long peak = workload.peakLiveBytes();
        long[] sizes = {peak / 2, peak * 2 / 3};
        System.out.printf(Locale.ROOT, "paced storage: a read or write of %s takes %s (%s/s each, %s latency);"
                        + " the engine: %d in flight, CRC32C checked%n", Units.formatBytes(TASK_BYTES),
                Units.formatNanos(LATENCY_NS + TASK_BYTES * 1_000_000_000L / TASK_BYTES_PER_SECOND),
                Units.formatBytes(TASK_BYTES_PER_SECOND), Units.formatNanos(LATENCY_NS), DEPTH);
        HardwareProfile probed = probe();
        ProbeResults.SsdResults r = probed.probe().ssds().get(0);
        Ssd ssd = probed.ssds().get(0);
        System.out.printf(Locale.ROOT, "probed: read %s/s, write %s/s, latency %s; at once: read %s/s while writing"
                        + " %s/s; one task: read %s, write %s; one migration: %s to issue%n",
                Units.formatBytes(ssd.readBytesPerSecond()), Units.formatBytes(ssd.writeBytesPerSecond()),
                Units.formatNanos(ssd.latencyNs()), Units.formatBytes(r.mixedReadBytesPerSecond()),
                Units.formatBytes(r.mixedWriteBytesPerSecond()), Units.formatNanos(r.readTaskNs()),
                Units.formatNanos(r.writeTaskNs()), Units.formatNanos(probed.probe().migrationNs()));
        List<List<PlanEntry>> plans = new ArrayList<>();
        for (long size : sizes) {
            plans.add(Policies.byName(Policies.DEFAULT).plan(workload, withMemory(probed, size)));
        }
        for (int round = 1; round <= rounds; round++) {
            for (int j = 0; j < sizes.length; j++) {
                int i = round % 2 == 1 ? j : sizes.length - 1 - j;
                HardwareProfile hw = withMemory(probed, sizes[i]);
                SimulationResult predicted = Simulator.simulate(workload, hw, plans.get(i));
                ReplayResult measured = replay(workload, plans.get(i), sizes[i]);
                long p = predicted.prediction().iterationNs();
                long m = measured.lastIterationNs();
                LaneStats ml = measured.lanes().get(0);
                LaneStats pl = predicted.lanes().get(0);
                System.out.printf(Locale.ROOT, "round %d, device %s, %d entries: measured %s, predicted %s (%+.1f%%);"
                                + " ssd0 busy %s, predicted %s (%+.1f%%), %s/%s moved; overhead %s, CRC mismatches %d%n",
                        round, Units.formatBytes(sizes[i]), plans.get(i).size(), Units.formatNanos(m),
                        Units.formatNanos(p), 100.0 * (m - p) / p, Units.formatNanos(ml.busyNs()),
                        Units.formatNanos(pl.busyNs()), 100.0 * (ml.busyNs() - pl.busyNs()) / pl.busyNs(),
                        Units.formatBytes(ml.bytesWritten() + ml.bytesRead()),
                        Units.formatBytes(pl.bytesWritten() + pl.bytesRead()),
                        Units.formatNanos(m - workload.idealNs() - measured.stallNs() - measured.memoryStallNs()),
                        measured.engine().crcMismatches());
            }
        }
    }

    private static TeraioConfig config(long memoryBytes) {
        return TeraioConfig.resolve(Map.of("deviceMemory", Long.toString(memoryBytes),
                "io.taskSize", Long.toString(TASK_BYTES), "io.queueDepth", Integer.toString(DEPTH),
                "io.threads", Integer.toString(DEPTH), "verify", "true"));
    }

    /** The paced storage as {@code teraio probe} measures a directory (512 MiB), as a profile without a host tier. */
    private static HardwareProfile probe() {
        long size = 512L << 20;
        TeraioConfig config = config(256L << 20);
        try (PacedBackend ssd = new PacedBackend(new HostStorageBackend(3 * size));
             MigrationEngine engine = new MigrationEngine(new IoEngine(List.of(ssd), null, config),
                     new HostDeviceMemory(config.deviceMemoryBytes()))) {
            EngineProbe.Measured m = EngineProbe.ssd(engine, config, size, 0, null);
            long migrationNs = EngineProbe.migrationNs(engine, config);
            // no host tier: its figures are never used (the plans keep nothing in host memory)
            return new HardwareProfile(List.of(new Device(0, 1L << 30, 63_000_000_000L)), List.of(m.ssd()), 0,
                    new ProbeResults(TASK_BYTES, DEPTH, 1L << 30, 1L << 30, true, migrationNs, List.of(m.results())));
        }
    }

    private static HardwareProfile withMemory(HardwareProfile hw, long memoryBytes) {
        return new HardwareProfile(List.of(new Device(0, memoryBytes, hw.device().pcieBytesPerSecond())), hw.ssds(),
                hw.hostMemoryBytes(), hw.probe());
    }

    private static ReplayResult replay(Workload workload, List<PlanEntry> plan, long memoryBytes) {
        TeraioConfig config = config(memoryBytes);
        try (PacedBackend ssd = new PacedBackend(new HostStorageBackend(workload.peakLiveBytes() * 2));
             MigrationEngine engine = new MigrationEngine(new IoEngine(List.of(ssd), null, config),
                     new HostDeviceMemory(memoryBytes))) {
            return TraceReplay.run(workload, plan, engine, ReplayOptions.DEFAULT, null);
        }
    }

    /** Host memory whose every read and write takes the latency plus its bytes at one task's rate. */
    private static final class PacedBackend implements StorageBackend {
        private final StorageBackend inner;

        PacedBackend(StorageBackend inner) {
            this.inner = inner;
        }

        private static long pace(long start, long bytes) {
            long until = start + LATENCY_NS + bytes * 1_000_000_000L / TASK_BYTES_PER_SECOND;
            long left;
            while ((left = until - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
            return bytes;
        }

        @Override
        public long write(Extent extent, long offset, ByteBuffer src) {
            long start = System.nanoTime();
            return pace(start, inner.write(extent, offset, src));
        }

        @Override
        public long read(Extent extent, long offset, ByteBuffer dst) {
            long start = System.nanoTime();
            return pace(start, inner.read(extent, offset, dst));
        }

        @Override
        public String name() {
            return "paced";
        }

        @Override
        public String location() {
            return "paced host memory";
        }

        @Override
        public int alignment() {
            return inner.alignment();
        }

        @Override
        public Extent allocate(long length) {
            return inner.allocate(length);
        }

        @Override
        public void release(Extent extent) {
            inner.release(extent);
        }

        @Override
        public long allocatedBytes() {
            return inner.allocatedBytes();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
