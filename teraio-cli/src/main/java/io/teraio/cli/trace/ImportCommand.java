package io.teraio.cli.trace;

import io.teraio.cli.Progress;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.trace.TraceWriter;
import io.teraio.profiler.importer.G10Importer;
import io.teraio.profiler.importer.ImportOptions;
import io.teraio.profiler.importer.ImportReport;
import io.teraio.profiler.importer.ImportResult;
import io.teraio.profiler.importer.KinetoImporter;
import io.teraio.profiler.importer.PytorchEtImporter;
import io.teraio.profiler.importer.TraceImporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code teraio import --from FORMAT INPUT... -o TRACE}: a teraio trace from another tool's files. */
@Command(name = "import",
        description = {"Convert traces other tools wrote into a teraio trace, and say what was kept,",
                "what was dropped and which assumptions were applied (docs/importers.md)."})
public final class ImportCommand implements Callable<Integer> {
    static final List<TraceImporter> IMPORTERS = List.of(new PytorchEtImporter(), new KinetoImporter(), new G10Importer());

    @Option(names = "--from", required = true, paramLabel = "FORMAT",
            description = "pytorch-et (PyTorch execution trace), kineto (torch.profiler Chrome trace with"
                    + " profile_memory=True) or g10 (G10 kernels.config, optionally with interval.config).")
    String format;

    @Parameters(paramLabel = "INPUT", arity = "1..*", description = "The files to import.")
    List<Path> inputs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "TRACE",
            description = "The trace to write (.json or .json.gz).")
    Path output;

    @Option(names = "--kineto", paramLabel = "FILE",
            description = "pytorch-et: the Kineto trace of the same run, for real kernel durations.")
    Path kineto;

    @Option(names = "--tflops", paramLabel = "X",
            description = "pytorch-et without --kineto: compute rate for estimated durations, in TFLOP/s"
                    + " (default: an H100's, 989 dense BF16).")
    Double tflops;

    @Option(names = "--mem-bw", paramLabel = "SIZE",
            description = "pytorch-et without --kineto: memory bandwidth for estimated durations, bytes per"
                    + " second such as 3000g (default: an H100's, 3.35 TB/s).")
    String memoryBandwidth;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cuda",
            description = "pytorch-et, kineto: whose tensors are planned as the device's: cuda (default) or cpu"
                    + " (a run on the CPU; without it a trace whose tensors are all on the CPU is an error).")
    String device;

    @Option(names = "--ops-only",
            description = "kineto: accept a trace without [memory] events and import its ops and durations"
                    + " without tensors (timings only; nothing to plan).")
    boolean opsOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TraceImporter importer = IMPORTERS.stream().filter(i -> i.format().equals(format)).findFirst()
                .orElseThrow(() -> new TeraioException("import: unknown format '" + format + "'; --from must be one of "
                        + String.join(", ", IMPORTERS.stream().map(TraceImporter::format).toList())));
        double flopsPerSecond = Rates.flopsPerSecond(tflops);
        double memoryBytesPerSecond = Rates.memoryBytesPerSecond(memoryBandwidth);
        if (kineto != null && !importer.format().equals("pytorch-et")) {
            throw new TeraioException("--kineto: only for --from pytorch-et");
        }
        if (opsOnly) {
            if (!(importer instanceof KinetoImporter)) {
                throw new TeraioException("--ops-only: only for --from kineto");
            }
            importer = KinetoImporter.opsOnly();
        }
        if (!device.equals("cuda") && !device.equals("cpu")) {
            throw new TeraioException("--device: '" + device + "' is not cuda or cpu");
        }
        if (device.equals("cpu") && importer instanceof G10Importer) {
            throw new TeraioException("--device: only for --from pytorch-et and kineto (G10's tensors are all on the GPU)");
        }
        ImportOptions options = new ImportOptions(kineto, flopsPerSecond, memoryBytesPerSecond)
                .withCpuAsDevice(device.equals("cpu"));

        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        Progress progress = Progress.of(spec);
        ImportResult result;
        try (Progress.Task task = progress.task("importing", inputBytes(), true)) {
            result = importer.importFiles(inputs, options.withBytesRead(task::advance));
        }
        progress.stage("writing " + output, () -> {
            TraceWriter.write(result.trace(), output);
            return output;
        });
        long elapsedNs = System.nanoTime() - start;

        ImportReport r = result.report();
        out.printf(Locale.ROOT, "imported %s: %s -> %s in %s%n", importer.format(),
                String.join(" ", inputs.stream().map(Path::toString).toList()), output, Units.formatNanos(elapsedNs));
        out.printf(Locale.ROOT, "  ops       kept %,d of %,d%n", r.opsKept(), r.opsRead());
        out.printf(Locale.ROOT, "  tensors   kept %,d of %,d: %s kept, %s dropped%n", r.tensorsKept(), r.tensorsRead(),
                Units.formatBytes(r.bytesKept()), Units.formatBytes(r.bytesDropped()));
        list(out, "dropped", r.dropped());
        list(out, "assumptions", r.assumptions());
        out.printf(Locale.ROOT, "Next: scripts/teraio analyze %s%n", output);
        out.flush();
        return 0;
    }

    /** The bytes of the input files (and the Kineto trace), for progress; unreadable ones count 0. */
    private long inputBytes() {
        long total = 0;
        List<Path> files = new ArrayList<>(inputs);
        if (kineto != null) {
            files.add(kineto);
        }
        for (Path file : files) {
            try {
                total += Files.size(file);
            } catch (IOException | RuntimeException e) {
                // the importer reports it
            }
        }
        return total;
    }

    private static void list(PrintWriter out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            out.println("  " + title + ":");
            for (String line : lines) {
                out.println("    - " + line);
            }
        }
    }
}
