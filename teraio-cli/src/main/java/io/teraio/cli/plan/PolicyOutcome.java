package io.teraio.cli.plan;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.Prediction;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One policy's outcome on a workload: its prediction, or why it has none, and how long it
 * planned. A row of the table {@code compare} prints and {@code report --compare} draws.
 *
 * @param policy     the policy's name, with the part of a job where it is one ({@code teraio, device 1})
 * @param prediction the simulated iteration with its plan, or null when the plan does not run
 * @param planMillis how long planning took
 * @param failure    why there is no prediction, or null
 */
record PolicyOutcome(String policy, Prediction prediction, long planMillis, String failure) {
    /** The table's column headings, for {@link #cells()}. */
    static final List<String> COLUMNS = List.of("policy", "iteration", "of ideal", "stall", "peak device", "to SSD",
            "from SSD", "to host", "from host", "plan ms");

    /** Plans {@code workload} for {@code hw} with {@code policy} and simulates the plan. */
    static PolicyOutcome of(Policy policy, Workload workload, HardwareProfile hw) {
        long start = System.nanoTime();
        List<PlanEntry> entries;
        try {
            entries = policy.plan(workload, hw);
        } catch (TeraioException e) {
            return new PolicyOutcome(policy.name(), null, (System.nanoTime() - start) / 1_000_000, e.getMessage());
        }
        long planMillis = (System.nanoTime() - start) / 1_000_000;
        SimulationResult result = Simulator.simulate(workload, hw, entries);
        return new PolicyOutcome(policy.name(), result.outOfMemory() == null ? result.prediction() : null, planMillis,
                result.outOfMemory());
    }

    /** This outcome as text, one cell per column of {@link #COLUMNS}. */
    List<String> cells() {
        Prediction p = prediction;
        if (p == null) {
            List<String> cells = new ArrayList<>(List.of(policy, "does not run: " + failure));
            while (cells.size() < COLUMNS.size()) {
                cells.add("");
            }
            return cells;
        }
        return List.of(policy, Units.formatNanos(p.iterationNs()),
                String.format(Locale.ROOT, "%.1f%%", p.percentOfIdeal()), Units.formatNanos(p.stallNs()),
                Units.formatBytes(p.peakDeviceBytes()), Units.formatBytes(p.bytesToSsd()),
                Units.formatBytes(p.bytesFromSsd()), Units.formatBytes(p.bytesToHost()),
                Units.formatBytes(p.bytesFromHost()), String.format(Locale.ROOT, "%,d", planMillis));
    }
}
