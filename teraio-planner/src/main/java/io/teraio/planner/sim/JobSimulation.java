package io.teraio.planner.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Simulator#simulateJob} found for the devices of a job simulated together.
 *
 * @param devices     each device's result, by device id: its last iteration from the common
 *                    start to its own end, its stalls, its memory; its {@code peakHostBytes} is
 *                    the host memory of all devices together while it ran that iteration
 * @param iterationNs the job's time of every simulated iteration that finished on every device:
 *                    the slowest device's (the barrier at each iteration's end waits for it)
 */
public record JobSimulation(List<SimulationResult> devices, List<Long> iterationNs) {
    public JobSimulation {
        devices = List.copyOf(devices);
        iterationNs = List.copyOf(iterationNs);
    }

    /** The job of these devices' results (by device id): each iteration's time is the slowest device's. */
    public static JobSimulation of(List<SimulationResult> devices) {
        int finished = Integer.MAX_VALUE;
        for (SimulationResult r : devices) {
            finished = Math.min(finished, r.iterationNs().size());
        }
        List<Long> times = new ArrayList<>(finished);
        for (int i = 0; i < finished; i++) {
            long slowest = 0;
            for (SimulationResult r : devices) {
                slowest = Math.max(slowest, r.iterationNs().get(i));
            }
            times.add(slowest);
        }
        return new JobSimulation(devices, times);
    }

    /** Whether every device ran to the end. */
    public boolean ran() {
        return outOfMemory() == null;
    }

    /**
     * Why the job could not go on: the first device that ran out of memory
     * ({@code device 1: out of memory at op ...}; the others say where they were stopped), or
     * {@code null}.
     */
    public String outOfMemory() {
        for (int d = 0; d < devices.size(); d++) {
            String why = devices.get(d).outOfMemory();
            if (why != null && !why.startsWith(IterationSim.STOPPED)) {
                return "device " + d + ": " + why;
            }
        }
        return null;
    }

    /** The first point where host memory of all devices together exceeded the cap, or {@code null}. */
    public String hostMemoryViolation() {
        for (SimulationResult r : devices) {
            if (r.hostMemoryViolation() != null) {
                return r.hostMemoryViolation();
            }
        }
        return null;
    }

    /** Whether every device ran and host memory stayed under the cap. */
    public boolean runs() {
        return ran() && hostMemoryViolation() == null;
    }

    /** The last iteration's time: the slowest device's (0 when a device ran out of memory). */
    public long lastIterationNs() {
        return ran() ? devices.get(slowestDevice()).prediction().iterationNs() : 0;
    }

    /** The device whose last iteration took longest (the lowest id among equals); 0 if one ran out of memory. */
    public int slowestDevice() {
        int slowest = 0;
        if (!ran()) {
            return 0;
        }
        for (int d = 1; d < devices.size(); d++) {
            if (devices.get(d).prediction().iterationNs() > devices.get(slowest).prediction().iterationNs()) {
                slowest = d;
            }
        }
        return slowest;
    }

    /** The job's ideal: the longest ideal iteration of its devices (each with unlimited memory). */
    public long idealNs() {
        long ideal = 0;
        for (SimulationResult r : devices) {
            if (r.prediction() != null) {
                ideal = Math.max(ideal, r.prediction().idealNs());
            }
        }
        return ideal;
    }

    /** The most host memory all devices held together in their last iterations. */
    public long peakHostBytes() {
        long peak = 0;
        for (SimulationResult r : devices) {
            peak = Math.max(peak, r.peakHostBytes());
        }
        return peak;
    }

    /** {@code 100 * idealNs() / lastIterationNs()}; 0 when a device ran out of memory. */
    public double percentOfIdeal() {
        long it = lastIterationNs();
        return !ran() ? 0.0 : it <= 0 ? 100.0 : 100.0 * idealNs() / it;
    }
}
