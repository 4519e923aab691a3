package io.teraio.cli.engine;

import io.teraio.cli.HardwareOptions;
import io.teraio.cli.Progress;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.ProbeResults;
import io.teraio.core.hardware.Ssd;
import io.teraio.probe.EngineProbe;
import io.teraio.probe.IoBench;
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
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code teraio probe --dir D... -o hardware.json}: measures each SSD directory with the
 * engine itself (sequential write and read bandwidth, latency of a 4 KiB read; reads and writes
 * at once; the time of one task-size read and write) and the host tier (its copy bandwidth each
 * way), and writes a hardware profile whose SSD part and {@code probe} results are what it
 * measured; the rest comes from the hardware flags (default the h100 preset).
 */
@Command(name = "probe",
        description = {"Measure each SSD directory's write and read bandwidth and latency with the engine,",
                "and write the hardware profile (the devices and host memory from the hardware flags)."})
public final class ProbeCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    HardwareOptions hardware;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1g",
            description = "Bytes written and read per directory (default: 1g).")
    String size;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The hardware.json to write.")
    Path output;

    @Option(names = "--no-verify", negatable = false,
            description = {"Measure without CRC32C on every task, as an engine with verify=false runs (replay checks",
                    "it by default, and so does probe)."})
    boolean noVerify;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long sizeBytes = Units.parseBytes("--size", size);
        if (sizeBytes < (4 << 20)) {
            throw new TeraioException("--size: '" + size + "' is too small to measure; use at least 4m");
        }
        HardwareProfile base = hardware.resolve();
        PrintWriter out = spec.commandLine().getOut();
        List<Ssd> measured = new ArrayList<>();
        List<ProbeResults.SsdResults> results = new ArrayList<>();
        long taskBytes = 0;
        int queueDepth = 0;
        IoBench.Bandwidth host = null;
        boolean verify = false;
        long migrationNs = 0;
        for (int i = 0; i < engine.dirs.size(); i++) {
            Path dir = engine.dirs.get(i);
            // the host tier is measured once, with the first directory's engine, over as many bytes (at most 1 GiB)
            long hostBytes = i == 0 ? Math.min(sizeBytes, 1L << 30) : 0;
            TeraioConfig config = TeraioConfig.resolve(engine.args(Map.of("dirs", dir.toString(),
                    "io.preallocate", Long.toString(IoBench.probeFileBytes(sizeBytes)),
                    "hostMemory", Long.toString(hostBytes), "verify", Boolean.toString(!noVerify))));
            config = config.withDeviceMemory(2 * IoBench.memoryBytes(config.taskSizeBytes(), config.queueDepth()));
            taskBytes = config.taskSizeBytes();
            queueDepth = config.queueDepth();
            verify = config.verify();
            out.printf(Locale.ROOT, "probe %s: %s sequential, %s tasks, queue depth %d, %s ...%n", dir,
                    Units.formatBytes(sizeBytes), Units.formatBytes(taskBytes), queueDepth,
                    verify ? "CRC32C on every task (verify)" : "no CRC32C (verify=false)");
            out.flush();
            try (MigrationEngine opened = MigrationEngine.open(config)) {
                EngineProbe.Measured m = EngineProbe.ssd(opened, config, sizeBytes, i,
                        dir.toAbsolutePath().toString(), Progress.of(spec));
                Ssd ssd = m.ssd();
                ProbeResults.SsdResults r = m.results();
                out.printf(Locale.ROOT, "  ssd %d: read %s/s, write %s/s, latency %s; at once: read %s/s while"
                                + " writing %s/s; one %s task: read %s, write %s%n", i,
                        Units.formatBytes(ssd.readBytesPerSecond()), Units.formatBytes(ssd.writeBytesPerSecond()),
                        Units.formatNanos(ssd.latencyNs()), Units.formatBytes(r.mixedReadBytesPerSecond()),
                        Units.formatBytes(r.mixedWriteBytesPerSecond()), Units.formatBytes(taskBytes),
                        Units.formatNanos(r.readTaskNs()), Units.formatNanos(r.writeTaskNs()));
                measured.add(ssd);
                results.add(r);
                if (hostBytes > 0) {
                    migrationNs = EngineProbe.migrationNs(opened, config);
                    out.printf(Locale.ROOT, "  one migration: %s to issue (the compute stream's part)%n",
                            Units.formatNanos(migrationNs));
                    host = IoBench.hostTier(opened, config, hostBytes, Progress.of(spec));
                    out.printf(Locale.ROOT, "  host tier (%s): to host %s/s, from host %s/s%n",
                            Units.formatBytes(hostBytes), Units.formatBytes(host.writeBytesPerSecond()),
                            Units.formatBytes(host.readBytesPerSecond()));
                }
            }
        }
        HardwareProfile profile = new HardwareProfile(base.devices(), measured, base.hostMemoryBytes(),
                new ProbeResults(taskBytes, queueDepth, host.writeBytesPerSecond(), host.readBytesPerSecond(), verify,
                        migrationNs, results));
        profile.write(output);
        out.printf(Locale.ROOT, "wrote %s: %s%n", output, HardwareOptions.describe(profile));
        out.printf(Locale.ROOT, "Next: scripts/teraio plan TRACE --hardware %s -o plan.json%n", output);
        out.flush();
        return 0;
    }
}
