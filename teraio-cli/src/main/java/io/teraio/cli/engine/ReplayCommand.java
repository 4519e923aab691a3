package io.teraio.cli.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.HardwareOptions;
import io.teraio.cli.Main;
import io.teraio.cli.Progress;
import io.teraio.cli.SummaryRows;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.LaneStats;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.ProbeResults;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.Prediction;
import io.teraio.core.storage.StorageException;
import io.teraio.core.trace.Trace;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import io.teraio.replay.ReplayOptions;
import io.teraio.replay.ReplayResult;
import io.teraio.replay.TraceReplay;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code teraio replay TRACE... PLAN --dir D... --device-mem X [--time-scale F] [--json]}: runs the
 * plan for real on host device memory and compares the measured iteration with the
 * simulator's prediction for the same hardware; a plan of several devices with one trace per
 * device ({@link ReplayJob}).
 */
@Command(name = "replay",
        description = {"Execute a plan for real: the trace's steady-state iteration with each op emulated by its",
                "(scaled) duration on host device memory, real tensor bytes written to the SSD directories and",
                "read back; report the measured iteration time next to the simulator's prediction.",
                "A plan of several devices takes one trace per device, in device order, and one --dir per SSD of",
                "its hardware: the devices run together, each on its own engine and host device memory of",
                "--device-mem, meeting at the end of every iteration; each device and the job are reported."})
public final class ReplayCommand implements Callable<Integer> {
    /** The largest {@code --time-scale}. */
    static final double MAX_TIME_SCALE = 1000;
    /** The most {@code --iterations}. */
    static final int MAX_ITERATIONS = 10_000;
    /** The most compute a replay may emulate, all iterations together: 24 hours. */
    static final long MAX_EMULATED_NS = 24L * 3600 * 1_000_000_000L;
    @Parameters(arity = "2..*", paramLabel = "TRACE... PLAN",
            description = "The trace the plan was made for (one per device of the plan), then a plan from teraio plan.")
    List<Path> files;

    /** The trace and the plan of a one-device replay, from {@link #files}. */
    private Path trace;
    Path planFile;

    @Mixin
    EngineOptions engine;

    @Option(names = "--device-mem", required = true, paramLabel = "SIZE",
            description = "Device memory to replay in (host memory standing in for the GPU's), such as 2g.")
    String deviceMemory;

    @Option(names = "--time-scale", paramLabel = "F", defaultValue = "1",
            description = "Multiply every op's duration by F, above 0 and at most 1000 (default: 1).")
    double timeScale;

    @Option(names = "--hardware", paramLabel = "FILE",
            description = "The hardware profile to predict with, such as teraio probe's output (default: the plan's),"
                    + " with --device-mem as its device memory.")
    Path hardwareFile;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "3",
            description = "Iterations to run, 1 to 10000, the last reported, as the simulator does (default: 3).")
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
        long memoryBytes = Units.parseBytesWithUnit("--device-mem", deviceMemory);
        if (memoryBytes <= 0) {
            throw new TeraioException("--device-mem: must be positive, got '" + deviceMemory + "'");
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new TeraioException("--iterations: must be 1 to " + MAX_ITERATIONS + ", got " + iterations);
        }
        if (!(timeScale > 0 && timeScale <= MAX_TIME_SCALE)) {
            throw new TeraioException("--time-scale: must be above 0 and at most " + (int) MAX_TIME_SCALE + ", got "
                    + timeScale);
        }
        planFile = files.get(files.size() - 1);
        List<Path> traces = files.subList(0, files.size() - 1);
        JobPlan job = JobPlan.read(planFile);
        if (job.devices().size() > 1 || traces.size() > 1) {
            return new ReplayJob(this, job, traces, memoryBytes).run();
        }
        trace = traces.get(0);
        Plan plan = job.devices().get(0);
        Trace loaded = Progress.of(spec).readTrace(trace);
        PlanValidator.validate(Workload.of(loaded), plan, planFile, true);
        Workload workload = Workload.of(TraceReplay.scaled(loaded, timeScale));
        requireEmulationLimit(workload.idealNs());
        HardwareProfile hw = predictionHardware(plan, memoryBytes);
        List<String> differences = hw.differencesFrom(plan.hardware(), "plan");
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
        if (hw.probe() != null && (hw.probe().taskBytes() != config.taskSizeBytes()
                || hw.probe().queueDepth() != config.queueDepth())) {
            err.printf(Locale.ROOT, "replay: warning: the probe results were measured with io.taskSize %s and"
                    + " io.queueDepth %d, this replay's engine runs %s and %d; the prediction models the probe's%n",
                    Units.formatBytes(hw.probe().taskBytes()), hw.probe().queueDepth(),
                    Units.formatBytes(config.taskSizeBytes()), config.queueDepth());
            err.flush();
        }
        if (hw.probe() != null && hw.probe().verify() == noVerify) {
            err.printf(Locale.ROOT, "replay: warning: the probe results were measured %s CRC32C on every task, this"
                    + " replay runs %s it%s; the prediction models the probe's%n", noVerify ? "with" : "without",
                    noVerify ? "without" : "with",
                    noVerify ? " (--no-verify)" : " (probe without --no-verify to match)");
            err.flush();
        }
        warnOfHardware(err, differences);
        ReplayResult result;
        Progress progress = Progress.of(spec);
        boolean quiet = Progress.quiet(spec);
        int[] done = {0};
        try (MigrationEngine opened = MigrationEngine.open(config);
             Progress.Task task = progress.task("replay iterations", iterations, false)) {
            try {
                result = TraceReplay.run(workload, plan.entries(), opened, new ReplayOptions(iterations,
                        ReplayOptions.DEFAULT.memoryTimeoutNanos(), true), (i, ns) -> {
                            done[0] = i + 1;
                            if (progress.enabled()) {
                                task.set(i + 1L);
                            } else if (!quiet) {
                                err.printf(Locale.ROOT, "  iteration %d/%d: %s%n", i + 1, iterations,
                                        Units.formatNanos(ns));
                                err.flush();
                            }
                        });
            } catch (RuntimeException e) {
                StorageException storage = storageFailure(e);
                if (storage == null) {
                    throw e;
                }
                // exit 3 (Main): the storage failed mid-run; say what was done before it did
                throw new StorageException("replay: stopped in iteration " + (done[0] + 1) + " of " + iterations
                        + " by a storage failure: " + storage.getMessage() + "; before it: " + summary(opened.stats()),
                        storage.location(), storage.offset(), storage.errno(), e);
            }
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
                    .put("predictedOverheadNs", predicted.overheadNs())
                    .put("stalledOps", result.stalledOps()).put("peakDeviceBytes", result.peakDeviceBytes())
                    .put("predictedPeakDeviceBytes", p.peakDeviceBytes()).put("corruptTensors", result.corruptTensors());
            o.set("engine", JsonFiles.mapper().valueToTree(s));
            o.put("model", Simulator.modelOf(hw));
            var lanes = o.putArray("lanes");
            for (LanePair pair : LanePair.of(result.lanes(), predicted.lanes())) {
                ObjectNode lane = lanes.addObject().put("lane", pair.name());
                lane.set("measured", JsonFiles.mapper().valueToTree(pair.measured()));
                lane.set("predicted", JsonFiles.mapper().valueToTree(pair.predicted()));
            }
            o.set("hardware", hw.toJson());
            o.set("planHardware", plan.hardware().toJson());
            o.putPOJO("hardwareDifferences", differences);
            out.println(o.toPrettyString());
        } else {
            SummaryRows.print(out, "measured", Units.formatNanos(measured) + " an iteration (the last of "
                    + Units.formatNanos(result.iterationNs().stream().mapToLong(Long::longValue).sum()) + ")");
            SummaryRows.print(out, "predicted", String.format(Locale.ROOT, "%s (simulator, %s); measured is %+.1f%%",
                    Units.formatNanos(p.iterationNs()), HardwareOptions.describe(hw), errorPercent));
            SummaryRows.print(out, "model", Simulator.modelOf(hw));
            SummaryRows.print(out, "plan made for", HardwareOptions.describe(plan.hardware())
                    + (differences.isEmpty() ? " (as this replay's)" : " (differs from this replay's: see the warning)"));
            SummaryRows.print(out, "ideal", Units.formatNanos(workload.idealNs()) + " (the ops' scaled durations)");
            SummaryRows.print(out, "stalls", String.format(Locale.ROOT, "%s waiting for tensors, %s for memory, %d ops stalled"
                    + " (predicted %s)", Units.formatNanos(result.stallNs()), Units.formatNanos(result.memoryStallNs()),
                    result.stalledOps(), Units.formatNanos(p.stallNs())));
            SummaryRows.print(out, "overhead", Units.formatNanos(measured - workload.idealNs() - result.stallNs()
                    - result.memoryStallNs()) + " (the rest: allocating, freeing, issuing; predicted "
                    + Units.formatNanos(predicted.overheadNs()) + (hw.probe() == null ? ", without probe results)"
                    : ", the probe's " + Units.formatNanos(hw.probe().migrationNs()) + " per entry issued)"));
            SummaryRows.print(out, "misses", s.misses() + " tensors fetched on demand");
            SummaryRows.print(out, "moved", String.format(Locale.ROOT, "to SSD %s, from SSD %s, to host %s, from host %s",
                    Units.formatBytes(s.bytesToSsd()), Units.formatBytes(s.bytesFromSsd()),
                    Units.formatBytes(s.bytesToHost()), Units.formatBytes(s.bytesFromHost())));
            for (LanePair pair : LanePair.of(result.lanes(), predicted.lanes())) {
                SummaryRows.print(out, "lane " + pair.name(), pair.describe());
            }
            SummaryRows.print(out, "peak memory", Units.formatBytes(result.peakDeviceBytes()) + " of "
                    + Units.formatBytes(memoryBytes) + " (predicted " + Units.formatBytes(p.peakDeviceBytes()) + ")");
            SummaryRows.print(out, "failed writes", s.failedWrites() + " (tensors kept resident)");
            SummaryRows.print(out, "CRC mismatches", noVerify ? "not checked (--no-verify)" : Long.toString(s.crcMismatches()));
            SummaryRows.print(out, "corrupt tensors", Long.toString(result.corruptTensors()));
        }
        out.flush();
        return exitFor(err, s.crcMismatches(), result.corruptTensors());
    }

    /**
     * Fails when {@link #iterations} iterations of {@code idealNs} (scaled) would emulate more
     * than {@link #MAX_EMULATED_NS}.
     */
    void requireEmulationLimit(long idealNs) {
        if ((double) idealNs * iterations > MAX_EMULATED_NS) {
            throw new TeraioException("replay: " + iterations + " iterations of " + Units.formatNanos(idealNs)
                    + " (time scale " + timeScale + ") would emulate more than the limit of 24 hours of compute;"
                    + " lower --time-scale or --iterations");
        }
    }

    /** The one-line warning, on stderr, that the plan was made for other hardware than the replay's. */
    void warnOfHardware(PrintWriter err, List<String> differences) {
        if (!differences.isEmpty()) {
            err.printf(Locale.ROOT, "replay: warning: %s was made for other hardware than this replay's: %s; the"
                    + " prediction is for this replay's hardware%n", planFile, String.join(", ", differences));
            err.flush();
        }
    }

    /** 0, or {@link Main#EXIT_DATA} with a line on stderr when offloaded bytes came back wrong. */
    static int exitFor(PrintWriter err, long crcMismatches, long corruptTensors) {
        if (crcMismatches > 0 || corruptTensors > 0) {
            err.printf(Locale.ROOT, "replay: offloaded bytes came back wrong: %d CRC mismatches, %d corrupt tensors%n",
                    crcMismatches, corruptTensors);
            return Main.EXIT_DATA;
        }
        return 0;
    }

    /**
     * A lane as measured (the engine's counters over the last iteration) and as predicted (the
     * simulator's); either is all zeros where one side has no such lane (an engine without a
     * host tier).
     */
    record LanePair(String name, LaneStats measured, LaneStats predicted) {
        static List<LanePair> of(List<LaneStats> measured, List<LaneStats> predicted) {
            List<LanePair> pairs = new ArrayList<>();
            for (LaneStats p : predicted) {
                LaneStats m = measured.stream().filter(l -> l.lane().equals(p.lane())).findFirst()
                        .orElse(new LaneStats(p.lane(), 0, 0, 0));
                if (m.bytesRead() + m.bytesWritten() + p.bytesRead() + p.bytesWritten() > 0) {
                    pairs.add(new LanePair(p.lane(), m, p));
                }
            }
            return pairs;
        }

        /** {@code written 1.00 GiB, read 1.00 GiB, busy 1.20 s; predicted 1.00 GiB, 1.00 GiB, 1.10 s (+9.1%)}. */
        String describe() {
            String busy = predicted.busyNs() > 0 ? String.format(Locale.ROOT, " (busy %+.1f%%)",
                    100.0 * (measured.busyNs() - predicted.busyNs()) / predicted.busyNs()) : "";
            return String.format(Locale.ROOT, "written %s, read %s, busy %s; predicted %s, %s, %s%s",
                    Units.formatBytes(measured.bytesWritten()), Units.formatBytes(measured.bytesRead()),
                    Units.formatNanos(measured.busyNs()), Units.formatBytes(predicted.bytesWritten()),
                    Units.formatBytes(predicted.bytesRead()), Units.formatNanos(predicted.busyNs()), busy);
        }
    }

    /** The storage failure in {@code e}'s causes, or null if none is one. */
    static StorageException storageFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StorageException storage) {
                return storage;
            }
        }
        return null;
    }

    /** What the engine did, in one line: counts and bytes moved. */
    static String summary(EngineStats s) {
        return String.format(Locale.ROOT, "%d offloads, %d prefetches, %d misses, %d failed writes, %d failed reads,"
                + " %d CRC mismatches; to SSD %s, from SSD %s, to host %s, from host %s", s.offloads(), s.prefetches(),
                s.misses(), s.failedWrites(), s.failedReads(), s.crcMismatches(), Units.formatBytes(s.bytesToSsd()),
                Units.formatBytes(s.bytesFromSsd()), Units.formatBytes(s.bytesToHost()),
                Units.formatBytes(s.bytesFromHost()));
    }

    /**
     * The hardware to predict with: --hardware's devices and SSDs (or the plan's), with the
     * replay's device memory, as many SSDs as --dir gives, and the plan's host memory (the cap
     * the plan was made under; a profile's own, such as probe's default, would misstate it).
     */
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
        ProbeResults probe = base.probe() == null ? null : base.probe().firstSsds(dirs);
        return new HardwareProfile(devices, base.ssds().subList(0, dirs), plan.hardware().hostMemoryBytes(), probe);
    }
}
