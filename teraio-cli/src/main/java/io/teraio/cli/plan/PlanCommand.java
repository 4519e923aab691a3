package io.teraio.cli.plan;

import io.teraio.cli.HardwareOptions;
import io.teraio.cli.Progress;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.Trace;
import io.teraio.planner.JobPlanner;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import io.teraio.planner.policy.NonePolicy;
import io.teraio.planner.policy.Policies;
import io.teraio.planner.sim.SimulationResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code teraio plan TRACE... [hardware flags] [--policy P] -o PLAN}: an offload plan, validated
 * and simulated; with one trace per device, the plans of a job (docs/planner.md#several-devices).
 */
@Command(name = "plan",
        description = {"Plan which idle tensors move to SSD or host memory during each iteration, and when,",
                "so that the trace fits the device; validate and simulate the plan, then write it.",
                "With several traces (one per device of the hardware, in device order: the ranks of a job),",
                "plan every device, replay them together and write one plan for all (format version 2)."})
public final class PlanCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TRACE", arity = "1..*",
            description = "A teraio trace (.json or .json.gz) per device; its last iteration is planned.")
    List<Path> traces;

    @Mixin
    HardwareOptions hardware;

    @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "teraio",
            description = "teraio (default), teraio-paper, g10, zero-infinity, flashneuron or none.")
    String policy;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "PLAN",
            description = "The plan to write (.json or .json.gz).")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        Policy chosen = Policies.byName(policy);
        HardwareProfile hw = hardware.resolve();
        Progress progress = Progress.of(spec);
        if (traces.size() > 1 || hw.devices().size() > 1) {
            return planJob(start, chosen, hw, progress);
        }
        Path trace = traces.get(0);
        Trace loaded = progress.readTrace(trace);
        Workload workload = Workload.of(loaded);
        if (!chosen.name().equals(NonePolicy.NAME)) {
            HardwareOptions.requireRoomToOffload(workload, hw);
        }
        long planStart = System.nanoTime();
        List<PlanEntry> entries = progress.stage("planning " + String.format(Locale.ROOT, "%,d ops with %s",
                workload.opCount(), chosen.name()), () -> chosen.plan(workload, hw));
        long planNs = System.nanoTime() - planStart;
        Plan plan = new Plan(TraceDigest.sha256(loaded), workload.opCount(), hw, chosen.name(), entries, null);
        SimulationResult result = progress.stage("validating and simulating",
                () -> PlanValidator.validate(workload, plan, "plan " + chosen.name()));
        plan.withPrediction(result.prediction()).write(output);

        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "plan %s: %s -> %s in %s (planning %s)%n", chosen.name(), trace, output,
                Units.formatNanos(System.nanoTime() - start), Units.formatNanos(planNs));
        PlanSummary.print(out, workload, hw, entries, result.prediction());
        out.printf(Locale.ROOT, "Next: scripts/teraio simulate %s %s%n", trace, output);
        out.flush();
        return 0;
    }

    private Integer planJob(long start, Policy chosen, HardwareProfile hw, Progress progress) {
        JobSummary.requireOneTracePerDevice("plan", traces, hw);
        JobSummary.Ranks ranks = JobSummary.read(progress, traces);
        List<Workload> workloads = ranks.workloads();
        List<String> digests = ranks.digests();
        if (!chosen.name().equals(NonePolicy.NAME)) {
            JobSummary.requireRoomToOffload(workloads, hw);
        }
        long planStart = System.nanoTime();
        JobPlanner.Result result = progress.stage(String.format(Locale.ROOT, "planning %d devices with %s",
                traces.size(), chosen.name()), () -> JobPlanner.plan(chosen, workloads, digests, hw));
        long planNs = System.nanoTime() - planStart;
        JobPlan plan = result.jobPlan(hw, chosen.name(), digests, workloads);
        PlanValidator.validateJobStructure(workloads, plan, "plan " + chosen.name(), false);
        plan.write(output);

        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "plan %s: %d traces -> %s in %s (planning %s, %d round%s)%n", chosen.name(),
                traces.size(), output, Units.formatNanos(System.nanoTime() - start), Units.formatNanos(planNs),
                result.rounds().size(), result.rounds().size() == 1 ? "" : "s");
        JobSummary.print(out, traces, workloads, hw, result.simulation());
        JobSummary.printRounds(out, result, traces.size());
        out.printf(Locale.ROOT, "Next: scripts/teraio simulate %s %s%n",
                String.join(" ", traces.stream().map(Path::toString).toList()), output);
        out.flush();
        return 0;
    }
}
