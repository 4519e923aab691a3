package io.teraio.cli;

import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.Trace;
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

/** {@code teraio plan TRACE [hardware flags] [--policy P] -o PLAN}: an offload plan, validated and simulated. */
@Command(name = "plan",
        description = {"Plan which idle tensors move to SSD or host memory during each iteration, and when,",
                "so that the trace fits the device; validate and simulate the plan, then write it."})
final class PlanCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TRACE", description = "A teraio trace (.json or .json.gz); its last iteration is planned.")
    Path trace;

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
}
