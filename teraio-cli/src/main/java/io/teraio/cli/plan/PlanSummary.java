package io.teraio.cli.plan;

import io.teraio.cli.HardwareOptions;
import io.teraio.cli.SummaryRows;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.Prediction;
import io.teraio.planner.TransferBound;
import io.teraio.planner.Workload;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** The lines {@code plan} and {@code simulate} print about a plan and its prediction. */
final class PlanSummary {
    private PlanSummary() {
    }

    static void print(PrintWriter out, Workload w, HardwareProfile hw, List<PlanEntry> entries, Prediction p) {
        long capacity = hw.device().memoryBytes();
        SummaryRows.print(out, "hardware", HardwareOptions.describe(hw));
        SummaryRows.print(out, "workload", String.format(Locale.ROOT, "%,d ops an iteration, peak live %s: %.2fx the device",
                w.opCount(), Units.formatBytes(w.peakLiveBytes()), (double) w.peakLiveBytes() / capacity));
        long offloads = entries.stream().filter(e -> e.action() == PlanAction.OFFLOAD).count();
        long toHost = entries.stream()
                .filter(e -> e.action() == PlanAction.OFFLOAD && e.target() == PlanTarget.HOST).count();
        long tails = offloads - (entries.size() - offloads);
        SummaryRows.print(out, "entries", String.format(Locale.ROOT,
                "%,d: %,d offloads (%,d to SSD, %,d to host) and their prefetches%s",
                entries.size(), offloads, offloads - toHost, toHost, tails == 0 ? ""
                        : String.format(Locale.ROOT, ", but for %,d tensors held after their last use", tails)));
        SummaryRows.print(out, "moved", String.format(Locale.ROOT,
                "%s to SSD, %s from SSD, %s to host, %s from host an iteration",
                Units.formatBytes(p.bytesToSsd()), Units.formatBytes(p.bytesFromSsd()),
                Units.formatBytes(p.bytesToHost()), Units.formatBytes(p.bytesFromHost())));
        SummaryRows.print(out, "predicted", String.format(Locale.ROOT, "iteration %s, ideal %s: %.1f%% of ideal; stall %s",
                Units.formatNanos(p.iterationNs()), Units.formatNanos(p.idealNs()), p.percentOfIdeal(),
                Units.formatNanos(p.stallNs())));
        SummaryRows.print(out, "bound", bound(TransferBound.of(w, hw)));
        SummaryRows.print(out, "peak device", String.format(Locale.ROOT, "%s of %s",
                Units.formatBytes(p.peakDeviceBytes()), Units.formatBytes(capacity)));
    }

    /** The transfer bound in words: the most any plan can reach, and what limits it. */
    static String bound(TransferBound b) {
        if (!b.feasible()) {
            return "no plan can run this trace on this hardware (op " + b.atOp() + " needs more than can be moved off"
                    + " the device)";
        }
        if (b.atOp() < 0) {
            return "100.0% of ideal (the trace fits the device)";
        }
        return String.format(Locale.ROOT, "at most %.1f%% of ideal for any plan (%s-bound: at op %d, %s must come"
                + " back to the device and %s leave it each iteration)", b.percentOfIdeal(), b.limit(), b.atOp(),
                Units.formatBytes(b.bytesIn()), Units.formatBytes(b.bytesOut()));
    }
}
