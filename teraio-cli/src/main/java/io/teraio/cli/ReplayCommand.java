package io.teraio.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.json.JsonFiles;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.Prediction;
import io.teraio.core.trace.Trace;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
import io.teraio.planner.replay.ReplayOptions;
import io.teraio.planner.replay.ReplayResult;
import io.teraio.planner.replay.TraceReplay;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code teraio replay TRACE PLAN --dir D... --device-mem X [--time-scale F] [--json]}: runs the
 * plan for real on host device memory and compares the measured iteration with the
 * simulator's prediction for the same hardware.
 */
@Command(name = "replay",
        description = {"Execute a plan for real: the trace's steady-state iteration with each op emulated by its",
                "(scaled) duration on host device memory, real tensor bytes written to the SSD directories and",
                "read back; report the measured iteration time next to the simulator's prediction."})
final class ReplayCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRACE", description = "The trace the plan was made for.")
    Path trace;

    @Parameters(index = "1", paramLabel = "PLAN", description = "A plan from teraio plan.")
    Path planFile;

    @Mixin
    EngineOptions engine;

    @Option(names = "--device-mem", required = true, paramLabel = "SIZE",
            description = "Device memory to replay in (host memory standing in for the GPU's), such as 2g.")
    String deviceMemory;

    @Option(names = "--time-scale", paramLabel = "F", defaultValue = "1",
            description = "Multiply every op's duration by F (default: 1).")
    double timeScale;

    @Option(names = "--hardware", paramLabel = "FILE",
            description = "The hardware profile to predict with, such as teraio probe's output (default: the plan's),"
                    + " with --device-mem as its device memory.")
    Path hardwareFile;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "3",
            description = "Iterations to run, the last reported, as the simulator does (default: 3).")
    int iterations;

    @Option(names = "--no-verify", negatable = false,
            description = "Do not check CRC32C on every prefetch (checked by default).")
    boolean noVerify;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long memoryBytes = Units.parseBytes("--device-mem", deviceMemory);
        if (memoryBytes <= 0) {
            throw new TeraioException("--device-mem: must be positive, got '" + deviceMemory + "'");
        }
        if (iterations < 1) {
            throw new TeraioException("--iterations: must be at least 1, got " + iterations);
        }
        Plan plan = Plan.read(planFile);
        Trace loaded = Progress.of(spec).readTrace(trace);
        PlanValidator.validate(Workload.of(loaded), plan, planFile, true);
        Workload workload = Workload.of(TraceReplay.scaled(loaded, timeScale));
        HardwareProfile hw = predictionHardware(plan, memoryBytes);
        SimulationResult predicted = Simulator.simulate(workload, hw, plan.entries());
        if (!predicted.ran()) {
            throw new TeraioException("replay: the simulator says the plan does not fit " + Units.formatBytes(memoryBytes)
                    + " of device memory: " + predicted.outOfMemory());
        }

        TeraioConfig config = TeraioConfig.resolve(engine.args(Map.of(
                "deviceMemory", Long.toString(memoryBytes),
                "verify", Boolean.toString(!noVerify))));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!json) {
            out.printf(Locale.ROOT, "replay %s with %s (policy %s, %d entries), time scale %s, %d iterations%n",
                    trace, planFile, plan.policy(), plan.entries().size(), timeScale, iterations);
            out.printf(Locale.ROOT, "  config: %s%n", config.describe());
            out.flush();
        }
        ReplayResult result;
        Progress progress = Progress.of(spec);
        boolean quiet = Progress.quiet(spec);
        try (MigrationEngine opened = MigrationEngine.open(config);
             Progress.Task task = progress.task("replay iterations", iterations, false)) {
            result = TraceReplay.run(workload, plan.entries(), opened, new ReplayOptions(iterations,
                    ReplayOptions.DEFAULT.memoryTimeoutNanos(), true), (i, ns) -> {
                        if (progress.enabled()) {
                            task.set(i + 1L);
                        } else if (!quiet) {
                            err.printf(Locale.ROOT, "  iteration %d/%d: %s%n", i + 1, iterations, Units.formatNanos(ns));
                            err.flush();
                        }
                    });
        }
        Prediction p = predicted.prediction();
        long measured = result.lastIterationNs();
        double errorPercent = 100.0 * (measured - p.iterationNs()) / p.iterationNs();
        EngineStats s = result.engine();
        if (json) {
            ObjectNode o = JsonFiles.mapper().createObjectNode();
            o.put("trace", trace.toString()).put("plan", planFile.toString()).put("policy", plan.policy())
                    .put("timeScale", timeScale).put("deviceMemoryBytes", memoryBytes);
            o.putPOJO("iterationNs", result.iterationNs());
            o.put("measuredIterationNs", measured).put("predictedIterationNs", p.iterationNs())
                    .put("errorPercent", Math.round(errorPercent * 100) / 100.0)
                    .put("idealNs", workload.idealNs()).put("stallNs", result.stallNs())
                    .put("memoryStallNs", result.memoryStallNs()).put("predictedStallNs", p.stallNs())
                    .put("stalledOps", result.stalledOps()).put("peakDeviceBytes", result.peakDeviceBytes())
                    .put("predictedPeakDeviceBytes", p.peakDeviceBytes()).put("corruptTensors", result.corruptTensors());
            o.set("engine", JsonFiles.mapper().valueToTree(s));
            o.set("hardware", hw.toJson());
            out.println(o.toPrettyString());
        } else {
            AnalyzeCommand.row(out, "measured", Units.formatNanos(measured) + " an iteration (the last of "
                    + Units.formatNanos(result.iterationNs().stream().mapToLong(Long::longValue).sum()) + ")");
            AnalyzeCommand.row(out, "predicted", String.format(Locale.ROOT, "%s (simulator, %s); measured is %+.1f%%",
                    Units.formatNanos(p.iterationNs()), HardwareOptions.describe(hw), errorPercent));
            AnalyzeCommand.row(out, "ideal", Units.formatNanos(workload.idealNs()) + " (the ops' scaled durations)");
            AnalyzeCommand.row(out, "stalls", String.format(Locale.ROOT, "%s waiting for tensors, %s for memory, %d ops stalled"
                    + " (predicted %s)", Units.formatNanos(result.stallNs()), Units.formatNanos(result.memoryStallNs()),
                    result.stalledOps(), Units.formatNanos(p.stallNs())));
            AnalyzeCommand.row(out, "overhead", Units.formatNanos(measured - workload.idealNs() - result.stallNs()
                    - result.memoryStallNs()) + " (the rest: allocating, freeing, issuing; what the simulator does not model)");
            AnalyzeCommand.row(out, "misses", s.misses() + " tensors fetched on demand");
            AnalyzeCommand.row(out, "moved", String.format(Locale.ROOT, "to SSD %s, from SSD %s, to host %s, from host %s",
                    Units.formatBytes(s.bytesToSsd()), Units.formatBytes(s.bytesFromSsd()),
                    Units.formatBytes(s.bytesToHost()), Units.formatBytes(s.bytesFromHost())));
            AnalyzeCommand.row(out, "peak memory", Units.formatBytes(result.peakDeviceBytes()) + " of "
                    + Units.formatBytes(memoryBytes) + " (predicted " + Units.formatBytes(p.peakDeviceBytes()) + ")");
            AnalyzeCommand.row(out, "failed writes", s.failedWrites() + " (tensors kept resident)");
            AnalyzeCommand.row(out, "CRC mismatches", noVerify ? "not checked (--no-verify)" : Long.toString(s.crcMismatches()));
            AnalyzeCommand.row(out, "corrupt tensors", Long.toString(result.corruptTensors()));
        }
        out.flush();
        if (s.crcMismatches() > 0 || result.corruptTensors() > 0) {
            err.printf(Locale.ROOT, "replay: offloaded bytes came back wrong: %d CRC mismatches, %d corrupt tensors%n",
                    s.crcMismatches(), result.corruptTensors());
            return Main.EXIT_INTERNAL;
        }
        return 0;
    }

    /** The hardware to predict with: --hardware or the plan's, with the replay's memory and the SSDs the plan uses. */
    private HardwareProfile predictionHardware(Plan plan, long memoryBytes) {
        HardwareProfile base = hardwareFile != null ? HardwareProfile.read(hardwareFile) : plan.hardware();
        int dirs = engine.dirs.size();
        for (PlanEntry e : plan.entries()) {
            if (e.target() == PlanTarget.SSD && e.ssd() >= dirs) {
                throw new TeraioException(planFile + ": the plan moves tensor " + e.tensor() + " ('" + e.key()
                        + "') to ssd " + e.ssd() + ", but only " + dirs + " --dir " + (dirs == 1 ? "was" : "were")
                        + " given (one per SSD)");
            }
        }
        if (base.ssds().size() < dirs) {
            throw new TeraioException((hardwareFile != null ? hardwareFile : planFile) + ": the hardware profile has "
                    + base.ssds().size() + " SSDs, but " + dirs + " --dir were given");
        }
        List<Device> devices = new ArrayList<>();
        for (Device d : base.devices()) {
            devices.add(new Device(d.id(), memoryBytes, d.pcieBytesPerSecond()));
        }
        return new HardwareProfile(devices, base.ssds().subList(0, dirs), base.hostMemoryBytes());
    }
}
