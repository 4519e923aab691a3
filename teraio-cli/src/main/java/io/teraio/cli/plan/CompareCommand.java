package io.teraio.cli.plan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.HardwareOptions;
import io.teraio.cli.Progress;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Prediction;
import io.teraio.planner.JobPlanner;
import io.teraio.planner.Policy;
import io.teraio.planner.TransferBound;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.Policies;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code teraio compare TRACE... [hardware flags] [--json]}: every policy side by side, in one
 * run; with one trace per device, every policy's job (planned jointly, and independently).
 */
@Command(name = "compare",
        description = {"Plan the trace with every policy and simulate each plan on the same hardware,",
                "one row per policy. With one trace per device of the hardware (in device order), each",
                "policy plans the job jointly (docs/planner.md#several-devices): a row for the job, one for",
                "its devices planned independently and replayed together, and one per device."})
public final class CompareCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TRACE", arity = "1..*",
            description = "A teraio trace (.json or .json.gz) per device; its last iteration is planned.")
    List<Path> traces;

    @Mixin
    HardwareOptions hardware;

    @Option(names = "--policies", split = ",", paramLabel = "P,P...",
            description = "The policies to compare (default: all).")
    List<String> policies;

    @Option(names = "--json", description = "Print a JSON array, one object per policy.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<Policy> chosen = new ArrayList<>();
        for (String name : policies == null ? Policies.names() : policies) {
            chosen.add(Policies.byName(name));
        }
        HardwareProfile hw = hardware.resolve();
        if (traces.size() > 1 || hw.devices().size() > 1) {
            return compareJob(chosen, hw);
        }
        Path trace = traces.get(0);
        Workload workload = Workload.of(Progress.of(spec).readTrace(trace));
        List<PolicyOutcome> rows = new ArrayList<>();
        for (Policy policy : chosen) {
            rows.add(PolicyOutcome.of(policy, workload, hw));
        }
        TransferBound bound = TransferBound.of(workload, hw);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, rows, workload, bound);
        } else {
            printTable(out, trace, rows, workload, hw, bound);
        }
        out.flush();
        return 0;
    }

    private Integer compareJob(List<Policy> chosen, HardwareProfile hw) {
        JobSummary.requireOneTracePerDevice("compare", traces, hw);
        JobSummary.Ranks ranks = JobSummary.read(Progress.of(spec), traces);
        List<Workload> workloads = ranks.workloads();
        List<String> digests = ranks.digests();
        List<PolicyOutcome> rows = new ArrayList<>();
        for (Policy policy : chosen) {
            rows.addAll(runJob(policy, workloads, digests, hw));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, rows, workloads.get(0), null);
        } else {
            for (int d = 0; d < traces.size(); d++) {
                Workload w = workloads.get(d);
                out.printf(Locale.ROOT, "device %d: %s: %,d ops an iteration, ideal %s, peak live %s; bound: %s%n", d,
                        traces.get(d), w.opCount(), Units.formatNanos(w.idealNs()), Units.formatBytes(w.peakLiveBytes()),
                        PlanSummary.bound(TransferBound.of(w, JobSummary.alone(hw, d))));
            }
            out.printf(Locale.ROOT, "hardware: %s%n", HardwareOptions.describe(hw));
            printRows(out, rows, 24);
        }
        out.flush();
        return 0;
    }

    /**
     * One policy's rows for a job: the job planned jointly ({@code teraio}), its devices planned
     * independently and replayed together ({@code teraio, independent}, only when the joint
     * planning went past that round), and each device of the joint plan ({@code teraio, device 1}).
     */
    private static List<PolicyOutcome> runJob(Policy policy, List<Workload> workloads, List<String> digests,
                                              HardwareProfile hw) {
        long start = System.nanoTime();
        JobPlanner.Result result;
        try {
            result = JobPlanner.plan(policy, workloads, digests, hw);
        } catch (TeraioException e) {
            return List.of(new PolicyOutcome(policy.name(), null, (System.nanoTime() - start) / 1_000_000,
                    e.getMessage()));
        }
        long planMillis = (System.nanoTime() - start) / 1_000_000;
        List<PolicyOutcome> rows = new ArrayList<>();
        rows.add(new PolicyOutcome(policy.name(), JobPlan.jobPrediction(JobSummary.predictions(result.simulation())),
                planMillis, null));
        if (result.rounds().size() > 1) {
            JobPlanner.Round first = result.rounds().get(0);
            rows.add(first.valid()
                    ? new PolicyOutcome(policy.name() + ", independent",
                            JobPlan.jobPrediction(JobSummary.predictions(first.simulation())), planMillis, null)
                    : new PolicyOutcome(policy.name() + ", independent", null, planMillis, first.problem()));
        }
        for (int d = 0; d < workloads.size(); d++) {
            rows.add(new PolicyOutcome(policy.name() + ", device " + d,
                    result.simulation().devices().get(d).prediction(), planMillis, null));
        }
        return rows;
    }

    private void printTable(PrintWriter out, Path trace, List<PolicyOutcome> rows, Workload w, HardwareProfile hw,
                            TransferBound bound) {
        out.printf(Locale.ROOT, "%s: %,d ops an iteration, ideal %s, peak live %s%n", trace, w.opCount(),
                Units.formatNanos(w.idealNs()), Units.formatBytes(w.peakLiveBytes()));
        out.printf(Locale.ROOT, "hardware: %s%n", HardwareOptions.describe(hw));
        out.printf(Locale.ROOT, "bound: %s%n", PlanSummary.bound(bound));
        printRows(out, rows, 14);
    }

    /** The table's heading and rows, the policy column {@code width} wide. */
    private static void printRows(PrintWriter out, List<PolicyOutcome> rows, int width) {
        String format = "%-" + width + "s %11s %9s %11s %12s %12s %12s %12s %12s %9s%n";
        out.printf(Locale.ROOT, format, PolicyOutcome.COLUMNS.toArray());
        for (PolicyOutcome r : rows) {
            if (r.prediction() == null) {
                out.printf(Locale.ROOT, "%-" + width + "s %s%n", r.policy(), "does not run: " + r.failure());
                continue;
            }
            out.printf(Locale.ROOT, format, r.cells().toArray());
        }
    }

    private static void printJson(PrintWriter out, List<PolicyOutcome> rows, Workload w, TransferBound bound) {
        ArrayNode array = JsonFiles.mapper().createArrayNode();
        for (PolicyOutcome r : rows) {
            ObjectNode o = array.addObject();
            o.put("policy", r.policy());
            Prediction p = r.prediction();
            if (p == null) {
                o.putNull("iterationNs");
                o.put("idealNs", w.idealNs());
                o.putNull("percentOfIdeal");
                o.putNull("stallNs");
                o.putNull("peakDeviceBytes");
                o.putNull("bytesToSsd");
                o.putNull("bytesFromSsd");
            } else {
                o.put("iterationNs", p.iterationNs());
                o.put("idealNs", p.idealNs());
                o.put("percentOfIdeal", Math.round(p.percentOfIdeal() * 100) / 100.0);
                o.put("stallNs", p.stallNs());
                o.put("peakDeviceBytes", p.peakDeviceBytes());
                o.put("bytesToSsd", p.bytesToSsd());
                o.put("bytesFromSsd", p.bytesFromSsd());
                o.put("bytesToHost", p.bytesToHost());
                o.put("bytesFromHost", p.bytesFromHost());
            }
            o.put("planMillis", r.planMillis());
            if (bound != null) {
                o.put("boundPercentOfIdeal", Math.round(bound.percentOfIdeal() * 100) / 100.0);
            }
            if (r.failure() != null) {
                o.put("failure", r.failure());
            }
        }
        out.println(array.toPrettyString());
    }
}
