package io.teraio.cli.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.HardwareOptions;
import io.teraio.cli.Progress;
import io.teraio.cli.SummaryRows;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.DeviceEngines;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.Prediction;
import io.teraio.core.storage.StorageException;
import io.teraio.core.trace.Trace;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.JobSimulation;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import io.teraio.replay.JobReplay;
import io.teraio.replay.ReplayOptions;
import io.teraio.replay.ReplayResult;
import io.teraio.replay.TraceReplay;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code teraio replay} of a plan of several devices: each device's trace replayed on its own
 * engine ({@link DeviceEngines#open}: one {@code --dir} per SSD of the plan's hardware,
 * an SSD that serves every device used by every engine) in host device memory of
 * {@code --device-mem} each, the devices meeting at every iteration's end ({@link JobReplay}),
 * against the simulator's prediction of the devices together on the same hardware.
 */
final class ReplayJob {
    private final ReplayCommand command;
    private final JobPlan job;
    private final List<Path> traces;
    private final long memoryBytes;

    ReplayJob(ReplayCommand command, JobPlan job, List<Path> traces, long memoryBytes) {
        this.command = command;
        this.job = job;
        this.traces = traces;
        this.memoryBytes = memoryBytes;
    }

    int run() {
        Path planFile = command.planFile;
        int devices = job.devices().size();
        if (traces.size() != devices) {
            throw new TeraioException("replay: " + planFile + " is a plan for " + devices
                    + (devices == 1 ? " device" : " devices") + ", but " + traces.size()
                    + (traces.size() == 1 ? " trace was" : " traces were") + " given (one per device, in device order)");
        }
        Progress progress = Progress.of(command.spec);
        List<Workload> loaded = new ArrayList<>();
        List<Workload> workloads = new ArrayList<>();
        for (Path path : traces) {
            Trace trace = progress.readTrace(path);
            loaded.add(Workload.of(trace));
            workloads.add(Workload.of(TraceReplay.scaled(trace, command.timeScale)));
        }
        PlanValidator.validateJobStructure(loaded, job, planFile, true);
        long idealNs = 0;
        for (Workload w : workloads) {
            idealNs = Math.max(idealNs, w.idealNs());
        }
        command.requireEmulationLimit(idealNs);
        HardwareProfile hw = hardware(planFile);
        List<String> differences = hw.differencesFrom(job.hardware(), "plan");
        List<List<PlanEntry>> entries = new ArrayList<>();
        for (Plan p : job.devices()) {
            entries.add(p.entries());
        }
        JobSimulation predicted = Simulator.simulateJob(workloads, hw, entries);
        if (!predicted.ran()) {
            throw new TeraioException("replay: the simulator says the plan does not fit " + Units.formatBytes(memoryBytes)
                    + " of device memory per device: " + predicted.outOfMemory());
        }
        TeraioConfig config = TeraioConfig.resolve(command.engine.args(Map.of(
                "deviceMemory", Long.toString(memoryBytes),
                "verify", Boolean.toString(!command.noVerify))));
        PrintWriter out = command.spec.commandLine().getOut();
        PrintWriter err = command.spec.commandLine().getErr();
        if (!command.json) {
            out.printf(Locale.ROOT, "replay %d devices with %s (policy %s), time scale %s, %d iterations%n", devices,
                    planFile, job.policy(), command.timeScale, command.iterations);
            out.printf(Locale.ROOT, "  config: %s%n", config.describe());
            out.flush();
        }
        command.warnOfHardware(err, differences);
        JobReplay.Result result;
        boolean quiet = Progress.quiet(command.spec);
        try (DeviceEngines engines = DeviceEngines.open(config, hw);
             Progress.Task task = progress.task("replay iterations", command.iterations, false)) {
            try {
                result = JobReplay.run(workloads, job, engines, new ReplayOptions(command.iterations,
                        ReplayOptions.DEFAULT.memoryTimeoutNanos(), true), (i, ns) -> {
                            if (progress.enabled()) {
                                task.set(i + 1L);
                            } else if (!quiet) {
                                err.printf(Locale.ROOT, "  iteration %d/%d: %s (the slowest device's)%n", i + 1,
                                        command.iterations, Units.formatNanos(ns));
                                err.flush();
                            }
                        });
            } catch (RuntimeException e) {
                StorageException storage = ReplayCommand.storageFailure(e);
                if (storage == null) {
                    throw e;
                }
                // exit 3 (Main): the storage failed mid-run
                throw new StorageException("replay: stopped by a storage failure: " + e.getMessage(),
                        storage.location(), storage.offset(), storage.errno(), e);
            }
        }
        print(out, hw, differences, workloads, predicted, result);
        out.flush();
        long crc = 0;
        long corrupt = 0;
        for (ReplayResult r : result.devices()) {
            crc += r.engine().crcMismatches();
            corrupt += r.corruptTensors();
        }
        return ReplayCommand.exitFor(err, crc, corrupt);
    }

    private void print(PrintWriter out, HardwareProfile hw, List<String> differences, List<Workload> workloads,
                       JobSimulation predicted, JobReplay.Result result) {
        long measured = result.lastIterationNs();
        long predictedNs = predicted.lastIterationNs();
        double errorPercent = 100.0 * (measured - predictedNs) / predictedNs;
        if (command.json) {
            ObjectNode o = JsonFiles.mapper().createObjectNode();
            o.putPOJO("traces", traces.stream().map(Path::toString).toList());
            o.put("plan", command.planFile.toString()).put("policy", job.policy())
                    .put("timeScale", command.timeScale).put("deviceMemoryBytes", memoryBytes);
            o.putPOJO("iterationNs", result.iterationNs());
            o.put("measuredIterationNs", measured).put("predictedIterationNs", predictedNs)
                    .put("errorPercent", Math.round(errorPercent * 100) / 100.0)
                    .put("slowestDevice", result.slowestDevice()).put("predictedSlowestDevice", predicted.slowestDevice());
            ArrayNode each = o.putArray("devices");
            for (int d = 0; d < result.devices().size(); d++) {
                ReplayResult r = result.devices().get(d);
                Prediction p = predicted.devices().get(d).prediction();
                ObjectNode device = each.addObject().put("device", d);
                device.putPOJO("iterationNs", r.iterationNs());
                device.put("measuredIterationNs", r.lastIterationNs()).put("predictedIterationNs", p.iterationNs())
                        .put("idealNs", workloads.get(d).idealNs()).put("stallNs", r.stallNs())
                        .put("memoryStallNs", r.memoryStallNs()).put("predictedStallNs", p.stallNs())
                        .put("stalledOps", r.stalledOps()).put("peakDeviceBytes", r.peakDeviceBytes())
                        .put("predictedPeakDeviceBytes", p.peakDeviceBytes()).put("corruptTensors", r.corruptTensors());
                device.set("engine", JsonFiles.mapper().valueToTree(r.engine()));
            }
            o.set("hardware", hw.toJson());
            o.set("planHardware", job.hardware().toJson());
            o.putPOJO("hardwareDifferences", differences);
            out.println(o.toPrettyString());
            return;
        }
        SummaryRows.print(out, "measured", String.format(Locale.ROOT, "%s an iteration of the job (device %d's, the"
                + " slowest; the last of %d)", Units.formatNanos(measured), result.slowestDevice(),
                result.iterationNs().size()));
        SummaryRows.print(out, "predicted", String.format(Locale.ROOT, "%s (simulator, devices together, %s); measured"
                + " is %+.1f%%", Units.formatNanos(predictedNs), HardwareOptions.describe(hw), errorPercent));
        SummaryRows.print(out, "plan made for", HardwareOptions.describe(job.hardware())
                + (differences.isEmpty() ? " (as this replay's)" : " (differs from this replay's: see the warning)"));
        for (int d = 0; d < result.devices().size(); d++) {
            ReplayResult r = result.devices().get(d);
            SimulationResult sim = predicted.devices().get(d);
            Prediction p = sim.prediction();
            EngineStats s = r.engine();
            SummaryRows.print(out, "device " + d, String.format(Locale.ROOT, "%s an iteration, predicted %s; ideal %s",
                    Units.formatNanos(r.lastIterationNs()), Units.formatNanos(p.iterationNs()),
                    Units.formatNanos(workloads.get(d).idealNs())));
            SummaryRows.print(out, "  stalls", String.format(Locale.ROOT, "%s waiting for tensors, %s for memory, %d"
                    + " ops stalled (predicted %s); the rest %s (allocating, freeing, issuing; predicted %s)",
                    Units.formatNanos(r.stallNs()), Units.formatNanos(r.memoryStallNs()), r.stalledOps(),
                    Units.formatNanos(p.stallNs()), Units.formatNanos(r.lastIterationNs() - workloads.get(d).idealNs()
                            - r.stallNs() - r.memoryStallNs()), Units.formatNanos(sim.overheadNs())));
            SummaryRows.print(out, "  moved", String.format(Locale.ROOT, "to SSD %s, from SSD %s, to host %s, from"
                    + " host %s; %d misses", Units.formatBytes(s.bytesToSsd()), Units.formatBytes(s.bytesFromSsd()),
                    Units.formatBytes(s.bytesToHost()), Units.formatBytes(s.bytesFromHost()), s.misses()));
            SummaryRows.print(out, "  peak memory", Units.formatBytes(r.peakDeviceBytes()) + " of "
                    + Units.formatBytes(memoryBytes) + " (predicted " + Units.formatBytes(p.peakDeviceBytes()) + ")");
            SummaryRows.print(out, "  CRC mismatches", (command.noVerify ? "not checked (--no-verify)"
                    : Long.toString(s.crcMismatches())) + "; corrupt tensors " + r.corruptTensors());
        }
    }

    /**
     * The hardware to predict with and run on: --hardware's (or the plan's) devices, each with
     * --device-mem, and its SSDs, one --dir each, in order; the plan's host memory.
     *
     * @throws TeraioException when the --dir count is not the SSD count, or --hardware has other
     *                         devices or SSDs than the plan's
     */
    private HardwareProfile hardware(Path planFile) {
        HardwareProfile base = command.hardwareFile != null ? HardwareProfile.read(command.hardwareFile) : job.hardware();
        Object origin = command.hardwareFile != null ? command.hardwareFile : planFile;
        if (base.devices().size() != job.hardware().devices().size()
                || base.ssds().size() != job.hardware().ssds().size()) {
            throw new TeraioException(origin + ": " + base.devices().size() + " devices and " + base.ssds().size()
                    + " SSDs, but the plan was made for " + job.hardware().devices().size() + " and "
                    + job.hardware().ssds().size());
        }
        List<Path> dirs = command.engine.dirs;
        if (dirs.size() != base.ssds().size()) {
            throw new TeraioException("replay: " + planFile + " is a plan for hardware with " + base.ssds().size()
                    + " SSDs, but " + dirs.size() + " --dir " + (dirs.size() == 1 ? "was" : "were")
                    + " given (one per SSD, in order: every device's engine uses the SSDs that serve it)");
        }
        List<Device> devices = new ArrayList<>();
        for (Device d : base.devices()) {
            devices.add(new Device(d.id(), memoryBytes, d.pcieBytesPerSecond()));
        }
        List<Ssd> ssds = new ArrayList<>();
        for (Ssd s : base.ssds()) {
            ssds.add(new Ssd(s.id(), dirs.get(s.id()).toString(), s.readBytesPerSecond(), s.writeBytesPerSecond(),
                    s.latencyNs(), s.device()));
        }
        return new HardwareProfile(devices, ssds, job.hardware().hostMemoryBytes(), base.probe());
    }
}
