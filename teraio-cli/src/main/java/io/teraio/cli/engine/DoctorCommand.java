package io.teraio.cli.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.cli.Progress;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.BackendSelection;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.Errno;
import io.teraio.gds.Cuda;
import io.teraio.gds.Gds;
import io.teraio.probe.IoBench;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code teraio doctor [--dir D...] [-c KEY=VALUE...] [--probe] [--json]}: one table of what
 * teraio found on this machine and why it matters: Java, each offload directory (file system,
 * O_DIRECT, free space, bandwidth with {@code --probe}), GDS and the precise reason it cannot
 * be used, the backend {@code auto} would pick, CUDA devices, and DJL's PyTorch engine.
 * It reports; it fails only on bad options.
 */
@Command(name = "doctor",
        description = {"Report what teraio finds on this machine and why it matters: Java, each offload directory",
                "(file system, O_DIRECT, free space, bandwidth with --probe), GDS and why not, CUDA devices, DJL."})
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR",
            description = "An offload directory to check (repeatable; default: the configured dirs).")
    List<Path> dirs = List.of();

    @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE",
            description = "A configuration key, such as gds.cufileLibrary=/path/libcufile.so.0 (repeatable).")
    List<String> config = List.of();

    @Option(names = "--probe", description = {"Also measure each directory as probe does (sequential write and read,",
            "both at once, one task's time) and, with the first, the host tier's copy bandwidth."})
    boolean probe;

    @Option(names = "--probe-size", paramLabel = "SIZE", defaultValue = "256m",
            description = "Bytes written and read per directory with --probe (default: 256m).")
    String probeSize;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** One line of the report: what was checked, what was found, whether it is fine, and why it matters. */
    record Check(String name, String found, boolean ok, String why) {
    }

    @Override
    public Integer call() {
        Map<String, String> args = EngineOptions.pairs(config);
        if (!dirs.isEmpty()) {
            args.put("dirs", String.join(":", dirs.stream().map(Path::toString).toList()));
        }
        TeraioConfig resolved = TeraioConfig.resolve(args);
        long probeBytes = Units.parseBytes("--probe-size", probeSize);
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
                + "), max heap " + Units.formatBytes(Runtime.getRuntime().maxMemory()),
                Runtime.version().feature() >= 17, "teraio needs Java 17 or newer"));
        if (resolved.dirs().isEmpty()) {
            checks.add(new Check("dirs", "none configured", false, "offload needs a directory on an SSD: --dir DIR,"
                    + " or dirs / TERAIO_DIRS"));
        }
        for (int i = 0; i < resolved.dirs().size(); i++) {
            checks.add(directory(i, resolved.dirs().get(i), resolved, probeBytes));
        }
        Availability gds = Gds.availability(resolved.cufileLibrary());
        checks.add(new Check("gds", gds.available() ? "available: " + gds.reason() : "unavailable: " + gds.reason(),
                gds.available(), "cuFile moves GPU memory to NVMe without a host copy; without it, backend=auto"
                + " uses O_DIRECT files"));
        checks.add(backend(resolved));
        checks.add(cuda());
        checks.add(djl());
        print(checks);
        return 0;
    }

    private Check directory(int i, Path dir, TeraioConfig resolved, long probeBytes) {
        String name = "dir" + i;
        if (!Files.isDirectory(dir)) {
            return new Check(name, dir + ": not a directory", false, "offload files go here");
        }
        StringBuilder found = new StringBuilder(dir.toString());
        boolean ok = true;
        try {
            FileStore store = Files.getFileStore(dir);
            found.append(": ").append(store.type()).append(", ").append(Units.formatBytes(store.getUsableSpace()))
                    .append(" free");
        } catch (IOException e) {
            found.append(": file system unknown (").append(e.getMessage()).append(')');
        }
        String direct = directIo(dir);
        found.append(", O_DIRECT ").append(direct == null ? "yes" : "no (" + direct + ")");
        ok &= direct == null;
        if (probe && direct == null) {
            found.append(", ").append(bandwidth(dir, resolved, probeBytes, i == 0));
        }
        return new Check(name, found.toString(), ok, "the posix backend needs O_DIRECT (some file systems refuse it) and room"
                + " for the offloaded tensors");
    }

    /** Null when a file in {@code dir} opens with O_DIRECT, else why not. */
    private static String directIo(Path dir) {
        Path probeFile = null;
        try {
            probeFile = Files.createTempFile(dir, ".teraio-doctor-", ".tmp");
            try (FileChannel ch = FileChannel.open(probeFile, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
                return null;
            }
        } catch (IOException | UnsupportedOperationException e) {
            int errno = e instanceof IOException io ? Errno.of(io) : 0;
            return errno != 0 ? Errno.describe(errno) : String.valueOf(e.getMessage());
        } finally {
            if (probeFile != null) {
                try {
                    Files.deleteIfExists(probeFile);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /**
     * What {@code probe} measures, through the engine (posix): sequential write and read
     * bandwidth, reads while writing, the time of one task-size read and write, and with
     * {@code hostTier} the host tier's copy bandwidth each way.
     */
    private String bandwidth(Path dir, TeraioConfig resolved, long bytes, boolean hostTier) {
        long task = resolved.taskSizeBytes();
        TeraioConfig c = TeraioConfig.resolve(Map.of("dirs", dir.toString(), "backend", "posix", "memory", "host",
                "io.taskSize", Long.toString(task), "io.queueDepth",
                Integer.toString(resolved.queueDepth()), "io.preallocate", Long.toString(IoBench.probeFileBytes(bytes)),
                "deviceMemory", Long.toString(2 * IoBench.memoryBytes(task, resolved.queueDepth())),
                "hostMemory", Long.toString(hostTier ? bytes : 0), "verify", "false"));
        try (MigrationEngine engine = MigrationEngine.open(c)) {
            IoBench.SsdProbe probe = IoBench.probeSsd(engine, c, bytes, Progress.of(spec));
            IoBench.Bandwidth bw = probe.sequential();
            IoBench.Bandwidth mixed = probe.mixed();
            String found = String.format(Locale.ROOT, "write %s/s, read %s/s (%s); at once read %s/s while writing"
                            + " %s/s; one %s task: read %s, write %s", Units.formatBytes(bw.writeBytesPerSecond()),
                    Units.formatBytes(bw.readBytesPerSecond()), Units.formatBytes(bytes),
                    Units.formatBytes(mixed.readBytesPerSecond()), Units.formatBytes(mixed.writeBytesPerSecond()),
                    Units.formatBytes(task), Units.formatNanos(probe.readTaskNs()), Units.formatNanos(probe.writeTaskNs()));
            if (hostTier) {
                IoBench.Bandwidth host = IoBench.hostTier(engine, c, bytes, Progress.of(spec));
                found += String.format(Locale.ROOT, "; host tier: to host %s/s, from host %s/s",
                        Units.formatBytes(host.writeBytesPerSecond()), Units.formatBytes(host.readBytesPerSecond()));
            }
            return found;
        } catch (RuntimeException e) {
            return "bandwidth not measured: " + e.getMessage();
        }
    }

    /** What MigrationEngine.open would choose; backend=gds without cuFile is the failure it would be. */
    private static Check backend(TeraioConfig resolved) {
        try {
            return new Check("backend", BackendSelection.choose(resolved).reason(), true,
                    "what the engine uses with this configuration");
        } catch (io.teraio.core.TeraioException e) {
            return new Check("backend", e.getMessage(), false, "the engine would not start with this configuration");
        }
    }

    private static Check cuda() {
        Availability a = Cuda.availability(0);
        if (!a.available()) {
            return new Check("cuda", "none: " + a.reason(), false, "memory=cuda keeps tensors on a GPU; without one,"
                    + " teraio runs with host memory (CPU training, replays, tests)");
        }
        StringBuilder found = new StringBuilder();
        for (Cuda.DeviceInfo d : Cuda.devices()) {
            found.append(found.length() == 0 ? "" : "; ").append(d.id()).append(": ").append(d.name()).append(", ")
                    .append(Units.formatBytes(d.memoryBytes())).append(", sm_").append(d.major()).append(d.minor());
        }
        return new Check("cuda", found + " (" + a.reason() + ")", true, "one engine per device (device=N)");
    }

    /** DJL's PyTorch engine: its classes on this class path, its native library in the DJL cache or Maven's. */
    private static Check djl() {
        List<String> found = new ArrayList<>();
        boolean classes;
        try {
            Class.forName("ai.djl.pytorch.engine.PtEngine", false, DoctorCommand.class.getClassLoader());
            classes = true;
            found.add("PtEngine classes on the class path");
        } catch (ClassNotFoundException | LinkageError e) {
            classes = false;
            found.add("PtEngine classes not on teraio's class path (the training job brings DJL; the agent finds it"
                    + " there)");
        }
        Path home = Path.of(System.getProperty("user.home"));
        List<Path> libtorch = find(home.resolve(".djl.ai").resolve("pytorch"), "libtorch.so");
        List<Path> jars = find(home.resolve(".m2/repository/ai/djl/pytorch/pytorch-native-cpu"), ".jar");
        found.add(libtorch.isEmpty() ? "no libtorch.so in ~/.djl.ai/pytorch" : "libtorch.so in ~/.djl.ai: "
                + String.join(", ", libtorch.stream().map(p -> home.relativize(p).toString()).toList()));
        found.add(jars.isEmpty() ? "no pytorch-native-cpu jar in ~/.m2" : "pytorch-native-cpu in ~/.m2: "
                + String.join(", ", jars.stream().map(p -> p.getFileName().toString()).toList()));
        boolean ok = classes || !libtorch.isEmpty() || !jars.isEmpty();
        return new Check("djl", String.join("; ", found), ok, "the agent offloads DJL PyTorch training jobs; run"
                + " them offline (-Dai.djl.offline=true) with a native library already cached");
    }

    private static List<Path> find(Path root, String suffix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root, 4)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().limit(5).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    private void print(List<Check> checks) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = JsonFiles.mapper().createObjectNode();
            for (Check c : checks) {
                o.putObject(c.name()).put("found", c.found()).put("ok", c.ok()).put("why", c.why());
            }
            out.println(o.toPrettyString());
        } else {
            out.printf(Locale.ROOT, "%-8s %-3s %s%n", "check", "ok", "found (why it matters)");
            for (Check c : checks) {
                out.printf(Locale.ROOT, "%-8s %-3s %s%n%-12s (%s)%n", c.name(), c.ok() ? "yes" : "no", c.found(), "",
                        c.why());
            }
        }
        out.flush();
    }
}
