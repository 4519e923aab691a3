package io.teraio.planner.sim;

import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.ProbeResults;
import io.teraio.core.hardware.Ssd;
import java.util.List;
import java.util.Locale;

/**
 * The engine's lanes as the simulator models them when a hardware profile has {@code probe}
 * results (docs/simulator.md, "The engine model"): one lane per SSD and one for the host tier,
 * each a queue of tasks of {@link #taskBytes} (urgent first, then in issue order) with at most
 * {@link #depth} of them in flight, as {@code io.IoEngine} runs them. Rates are bytes per ns.
 *
 * <p>An SSD task first waits the SSD's latency, moving nothing, then moves its bytes at its
 * share of the lane: the tasks moving bytes share the SSD's read (write) bandwidth when only
 * reads (writes) move, and each gets {@code 2 / d} of the mixed read (write) bandwidth when both
 * kinds move, {@code d} tasks in all (at the probe's half-and-half mix this is its mixed
 * bandwidth each way); no task moves faster than a lone task did ({@code taskBytes} over its
 * time less the latency). A host-tier task moves at its direction's copy bandwidth divided by
 * the tasks moving on the lane (they share the copying). All tasks of a direction share the
 * device's PCIe link: above its bandwidth they are slowed in proportion.
 */
final class LaneModel {
    final long taskBytes;
    final int depth;
    final double[] readBytesPerNs;
    final double[] writeBytesPerNs;
    final double[] mixedReadBytesPerNs;
    final double[] mixedWriteBytesPerNs;
    /** The most one task moves at, per SSD: a lone task's rate. */
    final double[] readTaskBytesPerNs;
    final double[] writeTaskBytesPerNs;
    final long[] latencyNs;
    final double toHostBytesPerNs;
    final double fromHostBytesPerNs;
    /** The compute stream's time to issue one entry. */
    final long migrationNs;

    private LaneModel(long taskBytes, int depth, int ssds, double toHostBytesPerNs, double fromHostBytesPerNs,
                      long migrationNs) {
        this.migrationNs = migrationNs;
        this.taskBytes = taskBytes;
        this.depth = depth;
        this.readBytesPerNs = new double[ssds];
        this.writeBytesPerNs = new double[ssds];
        this.mixedReadBytesPerNs = new double[ssds];
        this.mixedWriteBytesPerNs = new double[ssds];
        this.readTaskBytesPerNs = new double[ssds];
        this.writeTaskBytesPerNs = new double[ssds];
        this.latencyNs = new long[ssds];
        this.toHostBytesPerNs = toHostBytesPerNs;
        this.fromHostBytesPerNs = fromHostBytesPerNs;
    }

    /** The model of {@code hardware}'s probe results, or {@code null} when it has none. */
    static LaneModel of(HardwareProfile hardware) {
        ProbeResults probe = hardware.probe();
        if (probe == null) {
            return null;
        }
        List<Ssd> ssds = hardware.ssds();
        LaneModel m = new LaneModel(probe.taskBytes(), probe.queueDepth(), ssds.size(),
                probe.toHostBytesPerSecond() / 1e9, probe.fromHostBytesPerSecond() / 1e9, probe.migrationNs());
        for (int i = 0; i < ssds.size(); i++) {
            Ssd ssd = ssds.get(i);
            ProbeResults.SsdResults r = probe.ssds().get(i);
            m.readBytesPerNs[i] = ssd.readBytesPerSecond() / 1e9;
            m.writeBytesPerNs[i] = ssd.writeBytesPerSecond() / 1e9;
            m.mixedReadBytesPerNs[i] = r.mixedReadBytesPerSecond() / 1e9;
            m.mixedWriteBytesPerNs[i] = r.mixedWriteBytesPerSecond() / 1e9;
            // the latency is part of a lone task's time; what is left of it moves the bytes
            long latency = Math.min(ssd.latencyNs(), Math.min(r.readTaskNs(), r.writeTaskNs()) / 2);
            m.latencyNs[i] = latency;
            m.readTaskBytesPerNs[i] = (double) probe.taskBytes() / (r.readTaskNs() - latency);
            m.writeTaskBytesPerNs[i] = (double) probe.taskBytes() / (r.writeTaskNs() - latency);
        }
        return m;
    }

    /**
     * The rate of one task moving bytes on SSD lane {@code ssd}, with {@code reads} read tasks and
     * {@code writes} write tasks moving there (the task counted among them).
     */
    double ssdTaskRate(int ssd, boolean write, int reads, int writes) {
        int moving = reads + writes;
        double share;
        if (reads > 0 && writes > 0) {
            share = 2 * (write ? mixedWriteBytesPerNs[ssd] : mixedReadBytesPerNs[ssd]) / moving;
        } else {
            share = (write ? writeBytesPerNs[ssd] : readBytesPerNs[ssd]) / moving;
        }
        return Math.min(share, write ? writeTaskBytesPerNs[ssd] : readTaskBytesPerNs[ssd]);
    }

    /** The rate of one task moving bytes on the host lane, {@code moving} tasks moving there. */
    double hostTaskRate(boolean toHost, int moving) {
        return (toHost ? toHostBytesPerNs : fromHostBytesPerNs) / moving;
    }

    /**
     * One line for a user: which figures a prediction for {@code hardware} uses.
     * {@code the engine model calibrated by probe (4.00 MiB tasks, 8 in flight per lane, host tier 1.71 GiB/s
     * to host, 8.08 GiB/s from host)}, or that it falls back to the profile's figures.
     */
    static String describe(HardwareProfile hardware) {
        ProbeResults probe = hardware.probe();
        if (probe == null) {
            return "the profile's figures (it has no probe results: one transfer at a time per SSD channel, the host"
                    + " tier at the PCIe bandwidth; run teraio probe for the engine model)";
        }
        return String.format(Locale.ROOT, "the engine model calibrated by probe (%s tasks, %d in flight per lane,"
                        + " host tier %s/s to host, %s/s from host)", Units.formatBytes(probe.taskBytes()),
                probe.queueDepth(), Units.formatBytes(probe.toHostBytesPerSecond()),
                Units.formatBytes(probe.fromHostBytesPerSecond()));
    }
}
