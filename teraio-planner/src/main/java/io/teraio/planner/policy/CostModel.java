package io.teraio.planner.policy;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanTarget;
import io.teraio.planner.Workload;
import java.util.List;

/**
 * What a migration costs in the planning model, shared by every policy.
 *
 * <p>A migration goes to or from one <em>option</em>: SSD {@code i} (options
 * {@code 0..ssdCount()-1}, the SSDs that serve device 0) or host memory (option
 * {@link #hostOption()}). Moving {@code b} bytes takes {@code b / rate + latency}, where the
 * rate is {@code min(SSD bandwidth in that direction, PCIe)} for an SSD and PCIe for host
 * memory, and the latency is the SSD's (none for host memory). Direction {@link #WRITE} is
 * device to storage (offload), {@link #READ} storage to device (prefetch).
 *
 * <p>Op {@code k} offers {@code rate x durationNs(k)} bytes of each channel: its
 * <em>bucket</em> ({@link BandwidthBuckets}). A transfer's latency is charged as extra bytes
 * ({@code latency x rate}), so that it occupies its channel for its whole transfer time.
 */
final class CostModel {
    static final int WRITE = 0;
    static final int READ = 1;

    private static final double NS_PER_SECOND = 1e9;

    private final Workload workload;
    private final int opCount;
    private final long capacityBytes;
    private final long hostMemoryBytes;
    private final long pcieBytesPerSecond;
    private final List<Ssd> ssds;
    private final long[] weightNs;

    /**
     * The model of {@code workload} on device 0 of {@code hardware}, after checking that some
     * plan can fit ({@link Periods#requireFits}).
     *
     * @throws io.teraio.core.TeraioException naming the first op that cannot fit
     */
    static CostModel forPlanning(Workload workload, HardwareProfile hardware) {
        return forPlanning(workload, hardware, false);
    }

    /** {@link #forPlanning(Workload, HardwareProfile)} for a policy that moves tail periods too when {@code tails}. */
    static CostModel forPlanning(Workload workload, HardwareProfile hardware, boolean tails) {
        CostModel model = new CostModel(workload, hardware);
        Periods.requireFits(workload, model.capacityBytes(), tails);
        return model;
    }

    CostModel(Workload workload, HardwareProfile hardware) {
        this.workload = workload;
        this.opCount = workload.opCount();
        this.capacityBytes = hardware.device().memoryBytes();
        this.hostMemoryBytes = hardware.hostMemoryBytes();
        this.pcieBytesPerSecond = hardware.device().pcieBytesPerSecond();
        this.ssds = hardware.ssdsFor(hardware.device().id());
        this.weightNs = new long[opCount];
        for (int k = 0; k < opCount; k++) {
            weightNs[k] = Math.max(1, workload.durationNs(k));
        }
    }

    Workload workload() {
        return workload;
    }

    int opCount() {
        return opCount;
    }

    /** Device memory the plan must keep the live bytes under. */
    long capacityBytes() {
        return capacityBytes;
    }

    long hostMemoryBytes() {
        return hostMemoryBytes;
    }

    int ssdCount() {
        return ssds.size();
    }

    /** The option index of host memory; options {@code 0..hostOption()} exist. */
    int hostOption() {
        return ssds.size();
    }

    boolean isHost(int option) {
        return option == ssds.size();
    }

    PlanTarget target(int option) {
        return isHost(option) ? PlanTarget.HOST : PlanTarget.SSD;
    }

    /** The SSD id a plan entry names for {@code option}, -1 for host memory. */
    int ssdId(int option) {
        return isHost(option) ? -1 : ssds.get(option).id();
    }

    /**
     * The weight of op {@code k} in benefit sums: its duration, at least 1 ns, so that an
     * over-capacity op of zero duration still counts.
     */
    long weightNs(int k) {
        return weightNs[k];
    }

    long[] weights() {
        return weightNs;
    }

    /** Bytes per second of {@code option} in direction {@code dir}. */
    long rate(int option, int dir) {
        if (isHost(option)) {
            return pcieBytesPerSecond;
        }
        Ssd ssd = ssds.get(option);
        return Math.min(dir == WRITE ? ssd.writeBytesPerSecond() : ssd.readBytesPerSecond(), pcieBytesPerSecond);
    }

    long latencyNs(int option) {
        return isHost(option) ? 0 : ssds.get(option).latencyNs();
    }

    long pcieBytesPerSecond() {
        return pcieBytesPerSecond;
    }

    /** SSD {@code ssd}'s own bandwidth in direction {@code dir} (not limited by PCIe). */
    long ssdRate(int ssd, int dir) {
        Ssd s = ssds.get(ssd);
        return dir == WRITE ? s.writeBytesPerSecond() : s.readBytesPerSecond();
    }

    /** Time to move {@code bytes} through {@code option} in direction {@code dir}. */
    long transferNs(long bytes, int option, int dir) {
        return (long) Math.ceil(bytes * NS_PER_SECOND / rate(option, dir)) + latencyNs(option);
    }

    /** Offload plus prefetch time: the cost of one inactive period moved through {@code option}. */
    long roundTripNs(long bytes, int option) {
        return transferNs(bytes, option, WRITE) + transferNs(bytes, option, READ);
    }

    /** The bytes a transfer occupies in buckets: its size plus its latency at the option's rate. */
    long bucketBytes(long bytes, int option, int dir) {
        return bytes + (long) Math.ceil(latencyNs(option) * (double) rate(option, dir) / NS_PER_SECOND);
    }

    /** Nanoseconds it takes to move {@code bytes} at {@code option}'s rate (no latency). */
    long nsFor(long bytes, int option, int dir) {
        return (long) Math.ceil(bytes * NS_PER_SECOND / rate(option, dir));
    }

    /** Bytes a channel of {@code bytesPerSecond} moves during op {@code k}. */
    long bucketCapacity(long bytesPerSecond, int k) {
        return (long) (bytesPerSecond * (double) workload.durationNs(k) / NS_PER_SECOND);
    }

    /** Op {@code k} of the unrolled timeline (0..2n-1) as an op of the iteration. */
    int op(int unrolled) {
        return unrolled >= opCount ? unrolled - opCount : unrolled;
    }
}
