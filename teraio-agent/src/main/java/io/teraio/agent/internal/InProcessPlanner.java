package io.teraio.agent.internal;

import io.teraio.agent.AgentOptions;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.engine.Placement;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwarePresets;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.trace.Trace;
import io.teraio.planner.TeraioPlanMaker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Auto mode's planning: the hardware (a file, a preset, or a probe of {@code dirs} through the
 * engine) and the planner's {@link TeraioPlanMaker} (the {@code teraio} policy over the profiled
 * trace, validated and simulated, with the simulator's predictions with and without the plan).
 */
final class InProcessPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessPlanner.class);
    /** Copies between "device" and host memory on a CPU run are memory copies. */
    static final long CPU_COPY_BYTES_PER_SECOND = 10_000_000_000L;
    private static final long PROBE_MAX_BYTES = 64L << 20;
    /** What the probe writes and reads in all (a buffer written to several places). */
    private static final long PROBE_BYTES = 256L << 20;
    private static final int PROBE_MAX_ROUNDS = 16;

    private InProcessPlanner() {
    }

    /**
     * Plans {@code trace}'s last iteration for a device of {@code deviceMemory}
     * bytes less {@code outsideBytes} (live arrays the iteration does not touch), with the
     * hardware the options name (or a probe of the engine's SSDs), and writes the plan to
     * {@code planOut}. The predictions include {@code outsideBytes}, as the agent's own count does.
     *
     * @throws io.teraio.core.TeraioException when the policy or the validator rejects the plan
     */
    static PlanMaker.MadePlan plan(Trace trace, AgentOptions options, MigrationEngine engine, long outsideBytes) {
        long capacity = options.config().deviceMemoryBytes() - outsideBytes;
        if (capacity <= 0) {
            throw new TeraioException("deviceMemory " + Units.formatBytes(options.config().deviceMemoryBytes())
                    + " is taken whole by the " + Units.formatBytes(outsideBytes)
                    + " of arrays the training iteration does not touch; nothing is left to plan for");
        }
        HardwareProfile hardware = hardware(options, engine, capacity);
        long start = System.nanoTime();
        PlanMaker.MadePlan made = new TeraioPlanMaker().make(trace, hardware);
        long peak = made.predictedPeakBytes() + outsideBytes;
        long unconstrained = made.predictedUnconstrainedBytes() + outsideBytes;
        LOG.info("teraio-agent: planned {} entries over {} ops in {}; predicted peak {} (unconstrained {},"
                        + " of which {} in arrays the iteration does not touch)", made.plan().entries().size(),
                made.plan().opsPerIteration(), Units.formatNanos(System.nanoTime() - start), Units.formatBytes(peak),
                Units.formatBytes(unconstrained), Units.formatBytes(outsideBytes));
        made.plan().write(options.planOut());
        return new PlanMaker.MadePlan(made.plan(), peak, unconstrained);
    }

    /**
     * The hardware planned for: one device of {@code deviceBytes} (the part of the budget the
     * plan may use) and one SSD per directory of {@code dirs}, with the bandwidths of the hardware file
     * or preset ({@code hardware=}) or, without one, measured now through the engine.
     */
    static HardwareProfile hardware(AgentOptions options, MigrationEngine engine, long deviceBytes) {
        List<Path> dirs = options.config().dirs();
        List<Ssd> ssds = new ArrayList<>();
        long pcie = CPU_COPY_BYTES_PER_SECOND;
        if (options.hardware() != null) {
            HardwareProfile given = Files.isRegularFile(Path.of(options.hardware()))
                    ? HardwareProfile.read(Path.of(options.hardware())) : HardwarePresets.named(options.hardware());
            pcie = given.device().pcieBytesPerSecond();
            for (int i = 0; i < dirs.size(); i++) {
                if (given.ssds().isEmpty()) {
                    break;
                }
                Ssd like = given.ssds().get(Math.min(i, given.ssds().size() - 1));
                ssds.add(new Ssd(i, dirs.get(i).toString(), like.readBytesPerSecond(), like.writeBytesPerSecond(),
                        like.latencyNs(), -1));
            }
        } else {
            for (int i = 0; i < dirs.size(); i++) {
                ssds.add(probe(engine, i, dirs.get(i)));
            }
        }
        return new HardwareProfile(List.of(new Device(0, deviceBytes, pcie)), ssds,
                options.config().hostMemoryBytes());
    }

    /**
     * Sequential write and read of {@link #PROBE_BYTES} on SSD {@code ssd} through the engine: one
     * buffer of up to 64 MiB (a quarter of the engine's memory at most) written to as many
     * places as make up the bytes (16 at most), then read back from them. A single 30 MiB write
     * and read, as before, measured the development machine's virtual disk at up to two and a
     * half times what fio sustained on it, so the plans were made for a faster disk.
     */
    private static Ssd probe(MigrationEngine engine, int ssd, Path dir) {
        long bytes = Math.max(4096, Math.min(PROBE_MAX_BYTES, engine.memory().capacityBytes() / 4) & ~4095L);
        DeviceBuffer buffer = engine.memory().tryAllocate(bytes);
        if (buffer == null) {
            throw new TeraioException("probe of " + dir + ": no " + Units.formatBytes(bytes)
                    + " of device memory free for the probe; give hardware=FILE|PRESET");
        }
        int rounds = (int) Math.max(1, Math.min(PROBE_MAX_ROUNDS, (PROBE_BYTES + bytes - 1) / bytes));
        List<Placement> placements = new ArrayList<>();
        try {
            IoEngine.stampPages(buffer);
            for (int i = 0; i < rounds; i++) {
                placements.add(engine.io().allocate(bytes, ssd));
            }
            long t0 = System.nanoTime();
            for (Placement placement : placements) {
                engine.io().write("probe", placement, buffer, false).join();
            }
            long t1 = System.nanoTime();
            for (Placement placement : placements) {
                engine.io().read("probe", placement, buffer, false).join();
            }
            long t2 = System.nanoTime();
            long total = bytes * rounds;
            long write = Math.max(1, total * 1_000_000_000L / Math.max(1, t1 - t0));
            long read = Math.max(1, total * 1_000_000_000L / Math.max(1, t2 - t1));
            LOG.info("teraio-agent: probe of {}: write {}/s, read {}/s ({} written and read)", dir,
                    Units.formatBytes(write), Units.formatBytes(read), Units.formatBytes(total));
            return new Ssd(ssd, dir.toString(), read, write, HardwarePresets.DEFAULT_SSD_LATENCY_NS, -1);
        } finally {
            for (Placement placement : placements) {
                engine.io().release(placement);
            }
            buffer.close();
        }
    }
}
