package io.teraio.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.Units;
import io.teraio.core.json.JsonFiles;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.Prediction;
import io.teraio.core.trace.TraceReader;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code teraio simulate TRACE PLAN [--json]}: what a plan costs on the hardware it was made for. */
@Command(name = "simulate",
        description = {"Replay a trace's steady-state iteration with a plan on the plan's hardware (three",
                "iterations, the last reported): iteration time, stalls by cause, peak memory, bytes moved."})
final class SimulateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRACE", description = "The trace the plan was made for.")
    Path trace;

    @Parameters(index = "1", paramLabel = "PLAN", description = "A plan from teraio plan.")
    Path planFile;

    @Option(names = "--json", description = "Print one JSON object, time series included.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Plan plan = Plan.read(planFile);
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
            AnalyzeCommand.row(out, "stall by cause", String.join(", ", causes));
            AnalyzeCommand.row(out, "stalled ops", String.format(Locale.ROOT, "%,d%s", result.stalledOps(),
                    result.worstStalls().isEmpty() ? "" : "; the longest:"));
            for (OpStall stall : result.worstStalls()) {
                AnalyzeCommand.row(out, "  op " + stall.op(), String.format(Locale.ROOT, "%s: %s %s", stall.name(),
                        Units.formatNanos(stall.stallNs()), stall.cause()));
            }
        }
        out.flush();
        return 0;
    }
}
