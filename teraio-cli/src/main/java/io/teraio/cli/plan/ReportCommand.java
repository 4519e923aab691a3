package io.teraio.cli.plan;

import io.teraio.cli.FileNames;
import io.teraio.cli.HardwareOptions;
import io.teraio.cli.Progress;
import io.teraio.cli.report.HtmlReport;
import io.teraio.cli.report.ReportInput;
import io.teraio.cli.report.ReportInput.Fact;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.Prediction;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.TransferBound;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.NonePolicy;
import io.teraio.planner.policy.Policies;
import io.teraio.planner.sim.JobSimulation;
import io.teraio.planner.sim.SimulationResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code teraio report TRACE [PLAN] [hardware flags] [--compare] -o report.html}: one
 * self-contained HTML page with the iteration's memory over time, the largest tensors'
 * lifetimes, SSD and PCIe bandwidth, stalls and a summary.
 *
 * <p>With PLAN, the plan is validated and simulated on the hardware it was made for (the
 * hardware flags are refused). Without PLAN but with hardware flags, the trace is planned here
 * with {@code --policy}, as {@code teraio plan} would. With neither, the report shows the
 * iteration with nothing moved: live and active bytes and the lifetimes, no bandwidth.
 */
@Command(name = "report",
        description = {"Write one self-contained HTML page (works offline) showing a trace's iteration over time:",
                "device memory (live, active, and with a plan resident against the capacity), the largest",
                "tensors' lifetimes with their offloaded spans, SSD and PCIe bandwidth, stalls, a summary."})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "TRACE [PLAN]",
            description = {"A teraio trace (.json or .json.gz); its last iteration is shown. Then, optionally, a"
                    + " plan from teraio plan for it.", "For a plan of several devices: one trace per device, in"
                    + " device order, then the plan; one page per device (HTML-device0.html, ...)."})
    List<Path> files;

    Path trace;
    Path planFile;

    @Mixin
    HardwareOptions hardware;

    @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "teraio",
            description = "Without PLAN but with hardware flags: the policy to plan with (default teraio).")
    String policy;

    @Option(names = "--compare",
            description = "Add the compare table: every policy planned and simulated on the same hardware.")
    boolean compare;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "HTML", description = "The report to write.")
    Path output;

    @Option(names = "--create", description = "Create the report's directory if it does not exist (it must exist otherwise).")
    boolean create;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        trace = files.get(0);
        planFile = files.size() > 1 ? files.get(files.size() - 1) : null;
        if (files.size() > 2) {
            return reportJob(files.subList(0, files.size() - 1));
        }
        if (planFile != null && hardware.given()) {
            throw new TeraioException("report: --hardware and the hardware flags apply only without PLAN; " + planFile
                    + " is simulated on the hardware it was made for");
        }
        requireDirectory();
        long started = System.nanoTime();
        Progress progress = Progress.of(spec);
        Trace loaded = progress.readTrace(trace);
        Workload workload = Workload.of(loaded);
        List<Fact> facts = new ArrayList<>();
        facts.add(new Fact("trace", trace + describe(loaded.source())));
        facts.add(new Fact("iteration", String.format(Locale.ROOT, "%,d ops (the trace's last iteration of %d),"
                + " ideal %s, peak live %s", workload.opCount(), loaded.iterations().size(),
                Units.formatNanos(workload.idealNs()), Units.formatBytes(workload.peakLiveBytes()))));

        HardwareProfile hw = null;
        SimulationResult result = null;
        if (planFile != null) {
            JobPlan job = JobPlan.read(planFile);
            if (job.devices().size() > 1) {
                return reportJob(List.of(trace));
            }
            Plan plan = job.devices().get(0);
            hw = plan.hardware();
            result = progress.stage("simulating " + planFile, () -> PlanValidator.validate(workload, plan, planFile,
                    true));
            facts.add(new Fact("plan", planFile + " (policy " + plan.policy() + ", " + describeEntries(plan.entries())
                    + ")"));
        } else if (hardware.given()) {
            HardwareProfile target = hardware.resolve();
            if (target.devices().size() > 1) {
                throw new TeraioException("report: the hardware has " + target.devices().size() + " devices; plan"
                        + " the job with teraio plan (one trace per device), then report its traces and the plan");
            }
            hw = target;
            Policy chosen = Policies.byName(policy);
            if (!chosen.name().equals(NonePolicy.NAME)) {
                HardwareOptions.requireRoomToOffload(workload, target);
            }
            List<PlanEntry> entries = progress.stage("planning with " + chosen.name(), () -> chosen.plan(workload,
                    target));
            Plan plan = new Plan(TraceDigest.sha256(loaded), workload.opCount(), hw, chosen.name(), entries, null);
            result = progress.stage("simulating", () -> PlanValidator.validate(workload, plan, "plan " + chosen.name()));
            facts.add(new Fact("plan", "made here with policy " + chosen.name() + ", " + describeEntries(entries)));
        } else {
            facts.add(new Fact("plan", "none (give PLAN, or --hardware/--gpu-mem to plan here): nothing moves"));
        }
        if (hw != null) {
            facts.add(new Fact("hardware", HardwareOptions.describe(hw)));
            facts.add(new Fact("bound", PlanSummary.bound(TransferBound.of(workload, hw))));
        }
        if (result != null) {
            addPrediction(facts, result, hw.device().memoryBytes());
        }
        ReportInput.Table table = null;
        if (compare) {
            HardwareProfile compareHw = hw != null ? hw : hardware.resolve();
            List<List<String>> rows = new ArrayList<>();
            List<String> names = Policies.names();
            for (int i = 0; i < names.size(); i++) {
                Policy each = Policies.byName(names.get(i));
                progress.update("comparing " + each.name(), i, names.size());
                rows.add(PolicyOutcome.of(each, workload, compareHw).cells());
            }
            progress.done("compared " + names.size() + " policies");
            table = new ReportInput.Table(PolicyOutcome.COLUMNS, rows);
            if (hw == null) {
                facts.add(new Fact("compare hardware", HardwareOptions.describe(compareHw)));
            }
        }
        String title = trace.getFileName().toString();
        long bytes = HtmlReport.write(new ReportInput(title, facts, workload, hw, result, table), output);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "report: %s -> %s (%s) in %s%n", trace, output, Units.formatBytes(bytes),
                Units.formatNanos(System.nanoTime() - started));
        out.flush();
        return 0;
    }

    private static void addPrediction(List<Fact> facts, SimulationResult result, long capacityBytes) {
        Prediction p = result.prediction();
        facts.add(new Fact("predicted", String.format(Locale.ROOT, "iteration %s, %.1f%% of ideal; stall %s"
                + " in %,d ops", Units.formatNanos(p.iterationNs()), p.percentOfIdeal(),
                Units.formatNanos(p.stallNs()), result.stalledOps())));
        facts.add(new Fact("peak device", String.format(Locale.ROOT, "%s of %s",
                Units.formatBytes(p.peakDeviceBytes()), Units.formatBytes(capacityBytes))));
        facts.add(new Fact("moved", String.format(Locale.ROOT, "%s to SSD, %s from SSD, %s to host,"
                + " %s from host an iteration", Units.formatBytes(p.bytesToSsd()),
                Units.formatBytes(p.bytesFromSsd()), Units.formatBytes(p.bytesToHost()),
                Units.formatBytes(p.bytesFromHost()))));
    }

    /**
     * A plan of several devices: the devices replayed together, then one page per device
     * ({@code report-device0.html}, ...) with its trace, its part of the plan and its replay,
     * and the job's line.
     */
    private Integer reportJob(List<Path> traces) {
        if (hardware.given() || compare) {
            throw new TeraioException("report: --hardware, the hardware flags and --compare apply to one device's"
                    + " trace; " + planFile + " is simulated on the hardware it was made for");
        }
        JobPlan job = JobPlan.read(planFile);
        int devices = job.devices().size();
        if (traces.size() != devices) {
            throw new TeraioException("report: " + planFile + " is a plan for " + devices
                    + (devices == 1 ? " device" : " devices") + ", but " + traces.size()
                    + (traces.size() == 1 ? " trace was" : " traces were") + " given (one per device, in device order)");
        }
        requireDirectory();
        long started = System.nanoTime();
        Progress progress = Progress.of(spec);
        List<Trace> loaded = new ArrayList<>();
        List<Workload> workloads = new ArrayList<>();
        for (Path t : traces) {
            loaded.add(progress.readTrace(t));
            workloads.add(Workload.of(loaded.get(loaded.size() - 1)));
        }
        JobSimulation joint = progress.stage("simulating " + planFile,
                () -> PlanValidator.validateJob(workloads, job, planFile, true));
        String jobLine = String.format(Locale.ROOT, "%d devices: iteration %s (device %d is the slowest), %.1f%% of"
                + " ideal", devices, Units.formatNanos(joint.lastIterationNs()), joint.slowestDevice(),
                joint.percentOfIdeal());
        PrintWriter out = spec.commandLine().getOut();
        for (int d = 0; d < devices; d++) {
            Workload w = workloads.get(d);
            HardwareProfile view = JobSummary.alone(job.hardware(), d);
            List<Fact> facts = new ArrayList<>();
            facts.add(new Fact("device", d + " of " + devices + ": " + traces.get(d) + describe(loaded.get(d).source())));
            facts.add(new Fact("iteration", String.format(Locale.ROOT, "%,d ops, ideal %s, peak live %s",
                    w.opCount(), Units.formatNanos(w.idealNs()), Units.formatBytes(w.peakLiveBytes()))));
            facts.add(new Fact("plan", planFile + " (policy " + job.policy() + ", device " + d + ": "
                    + describeEntries(job.devices().get(d).entries()) + ")"));
            facts.add(new Fact("hardware", HardwareOptions.describe(job.hardware())));
            facts.add(new Fact("job", jobLine));
            facts.add(new Fact("bound", PlanSummary.bound(TransferBound.of(w, view))));
            addPrediction(facts, joint.devices().get(d), view.device().memoryBytes());
            Path page = FileNames.withSuffix(output, "-device" + d);
            long bytes = HtmlReport.write(new ReportInput(traces.get(d).getFileName() + " (device " + d + ")", facts, w,
                    view, joint.devices().get(d), null), page);
            out.printf(Locale.ROOT, "report: device %d: %s -> %s (%s)%n", d, traces.get(d), page,
                    Units.formatBytes(bytes));
        }
        out.printf(Locale.ROOT, "report: %s in %s%n", jobLine, Units.formatNanos(System.nanoTime() - started));
        out.flush();
        return 0;
    }

    /** Fails unless the output's directory exists or {@code --create} was given. */
    private void requireDirectory() {
        Path directory = output.toAbsolutePath().getParent();
        if (!create && directory != null && !Files.exists(directory)) {
            throw new TeraioException(output + ": cannot write: directory " + directory + " does not exist; create it,"
                    + " or give --create");
        }
    }

    private static String describe(TraceSource source) {
        String text = Stream.of(source.model(), source.framework(), source.tool())
                .filter(s -> s != null && !s.isBlank())
                .collect(Collectors.joining(", "));
        return text.isEmpty() ? "" : " (" + text + ")";
    }

    private static String describeEntries(List<PlanEntry> entries) {
        long offloads = entries.stream().filter(e -> e.action() == PlanAction.OFFLOAD).count();
        return String.format(Locale.ROOT, "%,d entries, %,d offloads", entries.size(), offloads);
    }
}
