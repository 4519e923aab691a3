package io.teraio.cli.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.Progress;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import io.teraio.gds.Cuda;
import io.teraio.gds.CudaDeviceMemory;
import io.teraio.gds.Gds;
import io.teraio.gds.GdsStorageBackend;
import io.teraio.probe.IoBench;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code teraio bench-gds --dir D [--size 1g] [--block 4m] [--qd 8] [--json]}: device to file
 * throughput through the engine's I/O path three ways, one after the other on the same
 * directory: cuFile (GPU memory straight to the file), pinned bounce buffers (GPU memory to
 * pinned host memory to O_DIRECT), and host memory with O_DIRECT (the baseline no GPU can
 * beat). A path that cannot run here is a row that says why.
 */
@Command(name = "bench-gds",
        description = {"Measure GPU-memory-to-file throughput: cuFile vs pinned bounce buffers vs a host-memory",
                "O_DIRECT baseline, through teraio's I/O engine, on the first --dir."})
public final class BenchGdsCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1g",
            description = "Bytes written and read per path (default: 1g).")
    String size;

    @Option(names = "--block", paramLabel = "SIZE", defaultValue = "4m",
            description = "Request size, also the engine's task size (default: 4m).")
    String block;

    @Option(names = "--qd", paramLabel = "N", defaultValue = "8", description = "Requests in flight (default: 8).")
    int queueDepth;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** One path's result: seconds, or why it was skipped. */
    record Row(String path, String description, double writeSeconds, double readSeconds, String skipped) {
    }

    @Override
    public Integer call() {
        long sizeBytes = Units.parseBytes("--size", size);
        long blockBytes = Units.parseBytes("--block", block);
        if (sizeBytes <= 0 || blockBytes <= 0 || blockBytes % 4096 != 0 || queueDepth < 1) {
            throw new TeraioException("--size must be positive, --block a positive multiple of 4k and --qd at least 1;"
                    + " got --size " + size + " --block " + block + " --qd " + queueDepth);
        }
        TeraioConfig config = TeraioConfig.resolve(engine.args(Map.of(
                "dirs", engine.dirs.get(0).toString(),
                "io.taskSize", Long.toString(blockBytes),
                "io.queueDepth", Integer.toString(queueDepth),
                "io.threads", Integer.toString(queueDepth),
                "io.stagingBuffers", Integer.toString(queueDepth), // posix stages CUDA memory: one buffer per task
                "io.preallocate", Long.toString(sizeBytes + blockBytes),
                "deviceMemory", Long.toString(IoBench.memoryBytes(blockBytes, queueDepth)),
                "verify", "false")));
        PrintWriter out = spec.commandLine().getOut();
        if (!json) {
            out.printf(Locale.ROOT, "bench-gds: %s in %s blocks, queue depth %d, %s, CUDA device %d%n",
                    Units.formatBytes(sizeBytes), Units.formatBytes(blockBytes), queueDepth, config.dirs().get(0),
                    config.device());
            out.flush();
        }
        Availability cuda = Cuda.availability(config.device());
        Availability gds = Gds.availability(config.cufileLibrary());
        List<Row> rows = new ArrayList<>();
        rows.add(gds.available() && cuda.available()
                ? run("cufile", "cuFile: GPU memory <-> file", config, sizeBytes, GdsStorageBackend.Mode.CUFILE)
                : skipped("cufile", "cuFile: GPU memory <-> file", gds.available() ? cuda.reason() : gds.reason()));
        rows.add(cuda.available()
                ? run("pinned", "GPU <-> pinned bounce <-> O_DIRECT", config, sizeBytes, GdsStorageBackend.Mode.PINNED)
                : skipped("pinned", "GPU <-> pinned bounce <-> O_DIRECT", cuda.reason()));
        rows.add(run("host", "host memory <-> O_DIRECT (baseline)", config, sizeBytes, null));
        print(out, rows, sizeBytes, blockBytes, config);
        return 0;
    }

    private static Row skipped(String path, String description, String why) {
        return new Row(path, description, Double.NaN, Double.NaN, why);
    }

    /** Writes then reads {@code sizeBytes} with a fresh run directory, backend and memory. */
    private Row run(String path, String description, TeraioConfig config, long sizeBytes,
                           GdsStorageBackend.Mode mode) {
        try (RunDirectory run = RunDirectory.create(config.dirs().get(0));
             StorageBackend backend = mode == null ? new PosixStorageBackend(run, 0, config.preallocateBytes())
                     : new GdsStorageBackend(run, 0, config, mode);
             DeviceMemory memory = mode == null ? new HostDeviceMemory(config.deviceMemoryBytes())
                     : new CudaDeviceMemory(config.device(), config.deviceMemoryBytes());
             IoEngine io = new IoEngine(List.of(backend), null, config);
             IoBench bench = new IoBench("bench-gds", io, memory, sizeBytes, config.taskSizeBytes(), config.queueDepth(), 0,
                     Progress.of(spec))) {
            double write = bench.write();
            double read = bench.read();
            return new Row(path, description, write, read, null);
        }
    }

    private void print(PrintWriter out, List<Row> rows, long sizeBytes, long blockBytes, TeraioConfig config) {
        if (json) {
            ObjectNode o = JsonFiles.mapper().createObjectNode();
            o.put("sizeBytes", sizeBytes).put("blockBytes", blockBytes).put("queueDepth", queueDepth)
                    .put("dir", config.dirs().get(0).toString()).put("device", config.device());
            ArrayNode array = o.putArray("paths");
            for (Row r : rows) {
                ObjectNode row = array.addObject().put("path", r.path()).put("description", r.description());
                if (r.skipped() != null) {
                    row.put("skipped", r.skipped());
                } else {
                    row.put("writeBytesPerSecond", Math.round(sizeBytes / r.writeSeconds()))
                            .put("readBytesPerSecond", Math.round(sizeBytes / r.readSeconds()));
                }
            }
            out.println(o.toPrettyString());
        } else {
            out.printf(Locale.ROOT, "%-8s %-38s %14s %14s%n", "path", "what moves", "write", "read");
            for (Row r : rows) {
                if (r.skipped() != null) {
                    out.printf(Locale.ROOT, "%-8s %-38s skipped: %s%n", r.path(), r.description(), r.skipped());
                } else {
                    out.printf(Locale.ROOT, "%-8s %-38s %12s/s %12s/s%n", r.path(), r.description(),
                            Units.formatBytes(Math.round(sizeBytes / r.writeSeconds())),
                            Units.formatBytes(Math.round(sizeBytes / r.readSeconds())));
                }
            }
        }
        out.flush();
    }
}
