package io.teraio.cli.plan;

import io.teraio.cli.HardwareOptions;
import io.teraio.cli.Progress;
import io.teraio.cli.SummaryRows;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.Prediction;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.Trace;
import io.teraio.planner.JobPlanner;
import io.teraio.planner.TransferBound;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.JobSimulation;
import io.teraio.planner.sim.SimulationResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What {@code plan}, {@code simulate} and {@code compare} print and check for a job of several devices. */
final class JobSummary {
    private JobSummary() {
    }

    /**
     * Fails unless there is one trace per device of {@code hw}.
     *
     * @throws TeraioException one line naming both counts and how to fix it
     */
    static void requireOneTracePerDevice(String command, List<Path> traces, HardwareProfile hw) {
        int devices = hw.devices().size();
        if (traces.size() != devices) {
            throw new TeraioException(command + ": " + traces.size() + (traces.size() == 1 ? " trace" : " traces")
                    + " for a hardware profile with " + devices + (devices == 1 ? " device" : " devices")
                    + "; give one trace per device, in device order (the devices come from --hardware FILE or"
                    + " --devices N)");
        }
    }

    /** The traces of a job as workloads, with their digests, by device. */
    record Ranks(List<Workload> workloads, List<String> digests) {
    }

    /** Reads one trace per device (showing progress) and digests each. */
    static Ranks read(Progress progress, List<Path> traces) {
        List<Workload> workloads = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (Path trace : traces) {
            Trace loaded = progress.readTrace(trace);
            workloads.add(Workload.of(loaded));
            digests.add(TraceDigest.sha256(loaded));
        }
        return new Ranks(workloads, digests);
    }

    /** Device {@code d}'s view of {@code hw} with every shared resource to itself (for checks and bounds). */
    static HardwareProfile alone(HardwareProfile hw, int d) {
        int[] ways = new int[hw.ssds().size()];
        Arrays.fill(ways, 1);
        return JobPlanner.view(hw, d, ways, false);
    }

    /** Checks before planning that each device has somewhere to offload to ({@code device 1: hardware: ...}). */
    static void requireRoomToOffload(List<Workload> workloads, HardwareProfile hw) {
        for (int d = 0; d < workloads.size(); d++) {
            try {
                HardwareOptions.requireRoomToOffload(workloads.get(d), alone(hw, d));
            } catch (TeraioException e) {
                throw new TeraioException("device " + d + ": " + e.getMessage(), e);
            }
        }
    }

    /** Each device's prediction from a replay of the job. */
    static List<Prediction> predictions(JobSimulation simulation) {
        return simulation.devices().stream().map(SimulationResult::prediction).toList();
    }

    /** The rows of a job: the hardware, each device (its trace, prediction, bound), and the job. */
    static void print(PrintWriter out, List<Path> traces, List<Workload> workloads, HardwareProfile hw,
                      JobSimulation simulation) {
        SummaryRows.print(out, "hardware", HardwareOptions.describe(hw));
        for (int d = 0; d < workloads.size(); d++) {
            Workload w = workloads.get(d);
            SimulationResult r = simulation.devices().get(d);
            Prediction p = r.prediction();
            long capacity = hw.devices().get(d).memoryBytes();
            out.printf(Locale.ROOT, "  device %d: %s%n", d, traces.get(d));
            SummaryRows.print(out, "  workload", String.format(Locale.ROOT,
                    "%,d ops an iteration, peak live %s: %.2fx the device", w.opCount(),
                    Units.formatBytes(w.peakLiveBytes()), (double) w.peakLiveBytes() / capacity));
            SummaryRows.print(out, "  moved", String.format(Locale.ROOT,
                    "%s to SSD, %s from SSD, %s to host, %s from host an iteration",
                    Units.formatBytes(p.bytesToSsd()), Units.formatBytes(p.bytesFromSsd()),
                    Units.formatBytes(p.bytesToHost()), Units.formatBytes(p.bytesFromHost())));
            SummaryRows.print(out, "  predicted", String.format(Locale.ROOT,
                    "iteration %s, ideal %s: %.1f%% of ideal; stall %s; peak device %s of %s",
                    Units.formatNanos(p.iterationNs()), Units.formatNanos(p.idealNs()), p.percentOfIdeal(),
                    Units.formatNanos(p.stallNs()), Units.formatBytes(p.peakDeviceBytes()),
                    Units.formatBytes(capacity)));
            SummaryRows.print(out, "  bound", PlanSummary.bound(TransferBound.of(w, alone(hw, d))));
        }
        SummaryRows.print(out, "job", String.format(Locale.ROOT,
                "iteration %s (device %d is the slowest), ideal %s: %.1f%% of ideal; peak host %s of %s",
                Units.formatNanos(simulation.lastIterationNs()), simulation.slowestDevice(),
                Units.formatNanos(simulation.idealNs()), simulation.percentOfIdeal(),
                Units.formatBytes(simulation.peakHostBytes()), Units.formatBytes(hw.hostMemoryBytes())));
    }

    /** The planning rounds, one row each, the kept one marked. */
    static void printRounds(PrintWriter out, JobPlanner.Result result, int devices) {
        for (int r = 0; r < result.rounds().size(); r++) {
            JobPlanner.Round round = result.rounds().get(r);
            String what = round.valid()
                    ? String.format(Locale.ROOT, "job %s, %.1f%% of ideal", Units.formatNanos(
                            round.simulation().lastIterationNs()), round.simulation().percentOfIdeal())
                    : "does not run: " + round.problem();
            SummaryRows.print(out, "round " + r, round.describeSplit(devices) + ": " + what
                    + (r == result.chosen() ? " (kept)" : ""));
        }
    }
}
