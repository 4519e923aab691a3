package io.teraio.cli.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.Progress;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.probe.IoBench;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code teraio bench-io --dir D... --size 4g --block 4m --qd 8 --threads N --mode write|read|both [--prewrite]
 * [--json]}.
 */
@Command(name = "bench-io",
        description = {"Measure sequential O_DIRECT write and read throughput through teraio's engine, as fio",
                "would (same size, block size and queue depth), over one or more SSD directories."})
public final class BenchIoCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1g",
            description = "Bytes to write and read, over all directories (default: 1g).")
    String size;

    @Option(names = "--block", paramLabel = "SIZE", defaultValue = "4m",
            description = "Request size, also the engine's task size (default: 4m).")
    String block;

    @Option(names = "--qd", paramLabel = "N", defaultValue = "8", description = "Requests in flight per SSD (default: 8).")
    int queueDepth;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads per SSD (default: the queue depth).")
    Integer threads;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "both", description = "write, read or both (default: both).")
    String mode;

    @Option(names = "--prewrite", description = {"Write the space once, untimed, before the measured write, so that it",
            "overwrites blocks already written (as fio does on a file that exists, and as the engine does after",
            "a run's first iteration); without it the measured write fills freshly preallocated space."})
    boolean prewrite;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String m = mode.toLowerCase(Locale.ROOT);
        if (!m.equals("write") && !m.equals("read") && !m.equals("both")) {
            throw new TeraioException("--mode: '" + mode + "' is not write, read or both");
        }
        long sizeBytes = Units.parseBytes("--size", size);
        long blockBytes = Units.parseBytes("--block", block);
        if (sizeBytes <= 0 || blockBytes <= 0 || blockBytes % 4096 != 0) {
            throw new TeraioException("--size must be positive and --block a positive multiple of 4k; got --size "
                    + size + " --block " + block);
        }
        if (queueDepth < 1 || threads != null && threads < 1) {
            throw new TeraioException("--qd and --threads must be at least 1");
        }
        int ssds = engine.dirs.size();
        long perSsd = (sizeBytes + ssds - 1) / ssds;
        TeraioConfig config = TeraioConfig.resolve(engine.args(Map.of(
                "io.taskSize", Long.toString(blockBytes),
                "io.queueDepth", Integer.toString(queueDepth),
                "io.threads", Integer.toString(threads == null ? queueDepth : threads),
                "io.preallocate", Long.toString(perSsd + blockBytes),
                "deviceMemory", Long.toString(IoBench.memoryBytes(blockBytes, queueDepth * ssds)),
                "verify", "false")));
        PrintWriter out = spec.commandLine().getOut();
        double writeSeconds = Double.NaN;
        double readSeconds = Double.NaN;
        try (MigrationEngine opened = MigrationEngine.open(config);
             IoBench bench = new IoBench("bench-io", opened.io(), opened.memory(), sizeBytes, blockBytes, queueDepth * ssds,
                     IoEngine.ANY_SSD, Progress.of(spec))) {
            if (!json) {
                out.printf(Locale.ROOT, "bench-io: %s in %s blocks, queue depth %d, %d threads per SSD, %d SSD%s%n",
                        Units.formatBytes(sizeBytes), Units.formatBytes(blockBytes), queueDepth, config.threads(), ssds,
                        ssds == 1 ? "" : "s");
                out.flush();
            }
            if (prewrite) {
                bench.write();
            }
            if (!m.equals("read")) {
                writeSeconds = bench.write();
                line(out, "write", sizeBytes, writeSeconds);
            }
            if (!m.equals("write")) {
                readSeconds = bench.read();
                line(out, "read", sizeBytes, readSeconds);
            }
        }
        if (json) {
            ObjectNode o = JsonFiles.mapper().createObjectNode();
            o.put("sizeBytes", sizeBytes).put("blockBytes", blockBytes).put("queueDepth", queueDepth)
                    .put("threads", config.threads()).put("prewrite", prewrite);
            o.putArray("dirs").addAll(engine.dirs.stream().map(d -> o.textNode(d.toString())).toList());
            if (!Double.isNaN(writeSeconds)) {
                o.put("writeBytesPerSecond", Math.round(sizeBytes / writeSeconds)).put("writeSeconds", writeSeconds);
            }
            if (!Double.isNaN(readSeconds)) {
                o.put("readBytesPerSecond", Math.round(sizeBytes / readSeconds)).put("readSeconds", readSeconds);
            }
            out.println(o.toPrettyString());
        }
        out.flush();
        return 0;
    }

    private void line(PrintWriter out, String what, long bytes, double seconds) {
        if (!json) {
            out.printf(Locale.ROOT, "  %-6s %s/s (%.0f bytes/s) in %.3f s%n", what,
                    Units.formatBytes(Math.round(bytes / seconds)), bytes / seconds, seconds);
            out.flush();
        }
    }
}
