package io.teraio.planner.sim;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.StartState;
import io.teraio.planner.Workload;
import java.util.List;
import java.util.Objects;

/**
 * Predicts what a plan costs: a deterministic discrete-event simulation of
 * {@link SimulationOptions#iterations()} copies of the steady-state iteration on device 0 of a
 * hardware profile, reporting the last one.
 *
 * <p>The compute stream runs the ops in order with their profiled durations; an op starts
 * once every tensor it needs is resident, every prefetch due at it has completed, and its
 * allocations fit in the device's memory. Plan entries are issued when the stream reaches the
 * start of their {@code issueAtOp}. Offloads and prefetches move over one read and one write
 * channel per SSD (one transfer at a time, urgent ones first, then in issue order, each
 * paying the SSD's latency once) and over the device's PCIe link in each direction, which the
 * transfers using it share max-min fairly (a transfer moves at the smaller of its SSD's
 * bandwidth and its fair share; rates are recomputed whenever a transfer starts or ends).
 * With {@code probe} results in the profile, transfers move instead as the engine moves them
 * ({@link #modelOf}): one lane per SSD and for the host tier, tasks of the probe's task size
 * with its queue depth in flight, at the rates it measured, and the compute stream pays its
 * per-migration overhead for each entry it issues.
 * An offload frees its tensor's memory when it completes; a prefetch first reserves memory,
 * waiting in deadline order, then reads. The whole model, including the initial state and
 * the stall causes, is in docs/simulator.md.
 *
 * <p>The simulation is fast: primitive arrays, one event heap, nothing allocated per event; a
 * 250k-op iteration with 200k entries takes about a second.
 */
public final class Simulator {
    /** Stall cause: a tensor the op needs (or a prefetch due at it) is not resident yet. */
    public static final String WAITING_FOR_PREFETCH = "waiting for prefetch";
    /** Stall cause: the op's allocations, or a reservation for a tensor it needs, do not fit. */
    public static final String WAITING_FOR_MEMORY = "waiting for memory";

    private Simulator() {
    }

    /** {@link #simulate(Workload, HardwareProfile, List, SimulationOptions)} with the default options. */
    public static SimulationResult simulate(Workload workload, HardwareProfile hardware, List<PlanEntry> entries) {
        return simulate(workload, hardware, entries, SimulationOptions.DEFAULT);
    }

    /**
     * Simulates {@code entries} over {@code workload} on device 0 of {@code hardware}.
     *
     * @return the last iteration's prediction, or a result whose
     *         {@link SimulationResult#outOfMemory()} says where the simulation could not go on
     * @throws TeraioException if one op needs more memory resident at once than the device has
     *                         (no plan can run it), or an entry names a tensor, op or SSD that
     *                         does not exist
     */
    public static SimulationResult simulate(Workload workload, HardwareProfile hardware, List<PlanEntry> entries,
                                            SimulationOptions options) {
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(entries, "entries");
        Objects.requireNonNull(options, "options");
        Device device = hardware.device();
        requireFeasible(workload, device.memoryBytes());
        return new IterationSim(workload, entries, DeviceHardware.of(hardware, 0), options, LaneModel.of(hardware))
                .run();
    }

    /**
     * Which model a prediction for {@code hardware} uses, in one line: the engine model
     * calibrated by its {@code probe} results, or, for a profile without them, its own figures
     * (docs/simulator.md).
     */
    public static String modelOf(HardwareProfile hardware) {
        return LaneModel.describe(hardware);
    }

    /** {@link #simulateJob(List, HardwareProfile, List, SimulationOptions)} with the default options. */
    public static JobSimulation simulateJob(List<Workload> workloads, HardwareProfile hardware,
                                            List<List<PlanEntry>> entries) {
        return simulateJob(workloads, hardware, entries, SimulationOptions.DEFAULT);
    }

    /**
     * Simulates the devices of a job at once: device {@code d} runs {@code workloads.get(d)} with
     * {@code entries.get(d)} in its own memory and over its own PCIe link; the SSDs serve the
     * transfers of every device on one read and one write channel each, in one issue order;
     * host memory holds the offloaded tensors of all of them under one cap; and each iteration
     * but the last ends at a barrier, as in synchronous training (docs/simulator.md#several-devices).
     *
     * @throws TeraioException if the counts of workloads, plans and devices differ, if one op of
     *                         a device needs more memory resident at once than it has, or an entry
     *                         names a tensor, op or SSD that does not exist (each naming the device)
     */
    public static JobSimulation simulateJob(List<Workload> workloads, HardwareProfile hardware,
                                            List<List<PlanEntry>> entries, SimulationOptions options) {
        Objects.requireNonNull(options, "options");
        int devices = hardware.devices().size();
        if (workloads.size() != devices || entries.size() != devices) {
            throw new TeraioException("simulating a job: " + workloads.size() + " traces and " + entries.size()
                    + " plans for " + devices + " devices (one of each per device)");
        }
        Shared shared = new Shared(hardware.ssds().size(), devices, LaneModel.of(hardware));
        for (int d = 0; d < devices; d++) {
            Device device = hardware.devices().get(d);
            try {
                requireFeasible(workloads.get(d), device.memoryBytes());
                new IterationSim(workloads.get(d), entries.get(d), DeviceHardware.of(hardware, d), options, shared, d);
            } catch (TeraioException e) {
                throw new TeraioException("device " + d + ": " + e.getMessage(), e);
            }
        }
        return JobSimulation.of(JointRun.run(shared));
    }

    /** {@link #ideal(Workload, SimulationOptions)} with the default options. */
    public static SimulationResult ideal(Workload workload) {
        return ideal(workload, SimulationOptions.DEFAULT);
    }

    /**
     * The workload with unlimited device memory and nothing moved: no stalls, the iteration
     * time is {@link Workload#idealNs()} and the peak is {@link Workload#peakLiveBytes()}.
     */
    public static SimulationResult ideal(Workload workload, SimulationOptions options) {
        return new IterationSim(workload, List.of(), DeviceHardware.UNLIMITED, options, null).run();
    }

    /**
     * The bytes on the device when a simulation of {@code entries} starts: the tensors resident from
     * the start of the iteration, less those the plan keeps offloaded across the boundary
     * ({@link StartState}, as the simulation and the plan runtime apply it). A simulation whose start
     * exceeds the device's memory runs out of memory before op 0.
     */
    public static long startBytes(Workload workload, List<PlanEntry> entries) {
        long bytes = 0;
        for (int t = 0; t < workload.tensorCount(); t++) {
            if (workload.inIteration(t) && workload.allocOp(t) == -1) {
                bytes += workload.bytes(t);
            }
        }
        for (StartState.Kept kept : StartState.of(entries).kept()) {
            int t = workload.trace().slotOf(kept.tensor());
            if (t >= 0 && workload.inIteration(t) && workload.wraps(t)) {
                bytes -= workload.bytes(t);
            }
        }
        return bytes;
    }

    /**
     * Fails if some op needs more bytes resident at once than {@code capacityBytes}.
     *
     * @throws TeraioException naming the first such op, its needs and the capacity
     */
    public static void requireFeasible(Workload workload, long capacityBytes) {
        for (int k = 0; k < workload.opCount(); k++) {
            long needed = workload.neededBytes(k);
            if (needed > capacityBytes) {
                throw new TeraioException("op " + k + " (" + workload.opName(k) + ") needs "
                        + Units.formatBytes(needed) + " resident at once, more than the device's "
                        + Units.formatBytes(capacityBytes) + ": no plan can run it");
            }
        }
    }
}
