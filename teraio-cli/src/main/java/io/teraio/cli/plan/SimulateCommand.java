package io.teraio.cli.plan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.SummaryRows;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.Prediction;
import io.teraio.core.trace.TraceReader;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.JobSimulation;
import io.teraio.planner.sim.OpStall;
import io.teraio.planner.sim.SimulationResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code teraio simulate TRACE... PLAN [--json]}: what a plan costs on the hardware it was made
 * for; a plan of several devices with one trace per device, replayed together.
 */
@Command(name = "simulate",
        description = {"Replay a trace's steady-state iteration with a plan on the plan's hardware (three",
                "iterations, the last reported): iteration time, stalls by cause, peak memory, bytes moved.",
                "A plan of several devices takes one trace per device, in device order: the devices are",
                "replayed together (shared SSDs and host memory contend); each device and the job are reported."})
public final class SimulateCommand implements Callable<Integer> {
    @Parameters(arity = "2..*", paramLabel = "TRACE... PLAN",
            description = "The trace the plan was made for (one per device of the plan), then a plan from teraio plan.")
    List<Path> files;

    @Option(names = "--json", description = "Print one JSON object, time series included.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path planFile = files.get(files.size() - 1);
        List<Path> traces = files.subList(0, files.size() - 1);
        JobPlan job = JobPlan.read(planFile);
        if (job.devices().size() > 1 || traces.size() > 1) {
            return simulateJob(job, traces, planFile);
        }
        Path trace = traces.get(0);
        Plan plan = job.devices().get(0);
        Workload workload = Workload.of(TraceReader.read(trace));
        SimulationResult result = PlanValidator.validate(workload, plan, planFile, true);
        PrintWriter out = spec.commandLine().getOut();
        Prediction p = result.prediction();
        if (json) {
            ObjectNode o = JsonFiles.mapper().valueToTree(result);
            o.put("policy", plan.policy());
            o.put("percentOfIdeal", Math.round(result.percentOfIdeal() * 100) / 100.0);
            out.println(o.toPrettyString());
        } else {
            out.printf(Locale.ROOT, "simulate %s with %s (policy %s)%n", trace, planFile, plan.policy());
            PlanSummary.print(out, workload, plan.hardware(), plan.entries(), p);
            List<String> causes = new ArrayList<>();
            for (Map.Entry<String, Long> cause : result.stallNsByCause().entrySet()) {
                causes.add(cause.getKey() + " " + Units.formatNanos(cause.getValue()));
            }
            SummaryRows.print(out, "stall by cause", String.join(", ", causes));
            SummaryRows.print(out, "stalled ops", String.format(Locale.ROOT, "%,d%s", result.stalledOps(),
                    result.worstStalls().isEmpty() ? "" : "; the longest:"));
            for (OpStall stall : result.worstStalls()) {
                SummaryRows.print(out, "  op " + stall.op(), String.format(Locale.ROOT, "%s: %s %s", stall.name(),
                        Units.formatNanos(stall.stallNs()), stall.cause()));
            }
        }
        out.flush();
        return 0;
    }

    private Integer simulateJob(JobPlan job, List<Path> traces, Path planFile) {
        int devices = job.devices().size();
        if (traces.size() != devices) {
            throw new TeraioException("simulate: " + planFile + " is a plan for " + devices
                    + (devices == 1 ? " device" : " devices") + ", but " + traces.size()
                    + (traces.size() == 1 ? " trace was" : " traces were") + " given (one per device, in device order)");
        }
        List<Workload> workloads = new ArrayList<>();
        for (Path trace : traces) {
            workloads.add(Workload.of(TraceReader.read(trace)));
        }
        JobSimulation result = PlanValidator.validateJob(workloads, job, planFile, true);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = JsonFiles.mapper().createObjectNode();
            o.put("policy", job.policy());
            o.put("iterationNs", result.lastIterationNs());
            o.put("idealNs", result.idealNs());
            o.put("percentOfIdeal", Math.round(result.percentOfIdeal() * 100) / 100.0);
            o.put("slowestDevice", result.slowestDevice());
            o.put("peakHostBytes", result.peakHostBytes());
            o.set("iterationsNs", JsonFiles.mapper().valueToTree(result.iterationNs()));
            ArrayNode each = o.putArray("devices");
            for (int d = 0; d < devices; d++) {
                ObjectNode r = JsonFiles.mapper().valueToTree(result.devices().get(d));
                r.put("device", d);
                r.put("percentOfIdeal", Math.round(result.devices().get(d).percentOfIdeal() * 100) / 100.0);
                each.add(r);
            }
            out.println(o.toPrettyString());
        } else {
            out.printf(Locale.ROOT, "simulate %d devices with %s (policy %s)%n", devices, planFile, job.policy());
            JobSummary.print(out, traces, workloads, job.hardware(), result);
        }
        out.flush();
        return 0;
    }
}
