package io.teraio.profiler.importer;

import io.teraio.core.TeraioException;
import io.teraio.core.internal.Gzip;
import io.teraio.core.internal.MeteredInputStream;
import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.core.trace.TraceValidator;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.zip.ZipException;

/**
 * Imports the tensor and kernel description that G10 (MICRO'23, "G10: Enabling An Efficient
 * Unified GPU Memory and Storage Architecture with Smart Tensor Migrations",
 * github.com/platformxlab/G10) writes during its analysis stage: {@code statistics/kernels.config}
 * and, optionally, {@code statistics/interval.config}.
 *
 * <p>Inputs: one kernels config and at most one interval config, in any order, each plain or
 * gzip (recognised by its magic bytes). They are told apart by name ({@code *kernels.config[.gz]},
 * {@code *interval.config[.gz]}) or else by their first line ({@code Kernel ID: ...} or
 * {@code tensorN ...}).
 *
 * <p>Mapping: each kernel becomes one op, in file order (one training iteration); its
 * duration is its "Execution Time" in cycles of G10's 1.2 GHz GPU clock ({@link #CLOCK_HZ}). Weight
 * ("global") tensors are persistent parameters; every other tensor is transient, allocated by
 * the first kernel that lists it and freed by the last. Non-global tensors read by an
 * {@code *Apply_Grad*} kernel are gradients, the rest activations. The interval config, when
 * given, is parsed and its liveness records are cross-checked against the kernels config
 * (a mismatch is an error: the files come from different runs); it adds no information.
 * See {@code docs/importers.md}.
 */
public final class G10Importer implements TraceImporter {
    /** G10's simulated GPU clock ({@code GPU_frequency_GHz 1.2}): cycles / 1.2 = nanoseconds. */
    public static final double CLOCK_HZ = 1.2e9;
    private static final String CLOCK_HZ_TEXT = "1.2 GHz";

    private static final String KERNEL_PREFIX = "Kernel ID:";
    private static final String TIME_PREFIX = "Execution Time:";
    private static final String INPUTS = "Input Tensors:";
    private static final String OUTPUTS = "Output Tensors:";
    private static final String TENSOR_SYNTAX =
            "\"tensorN Is weight (global)?: 0|1, Size in byte: BYTES, Range:A--B\"";

    @Override
    public String format() {
        return "g10";
    }

    /**
     * Imports a kernels config and, optionally, an interval config ({@code options} are not
     * used: G10 gives every kernel's time).
     */
    @Override
    public ImportResult importFiles(List<Path> inputs, ImportOptions options) {
        if (inputs == null || inputs.isEmpty()) {
            throw new TeraioException("g10 import: no input files (expected a kernels.config and optionally an "
                    + "interval.config)");
        }
        if (inputs.size() > 2) {
            throw new TeraioException("g10 import: expected a kernels.config and at most one interval.config, got "
                    + inputs.size() + " files");
        }
        Path kernelsFile = null;
        Path intervalFile = null;
        for (Path input : inputs) {
            boolean kernels = isKernelsConfig(input);
            if (kernels) {
                if (kernelsFile != null) {
                    throw new TeraioException(name(input) + ": a second kernels config (the first is "
                            + name(kernelsFile) + ")");
                }
                kernelsFile = input;
            } else {
                if (intervalFile != null) {
                    throw new TeraioException(name(input) + ": a second interval config (the first is "
                            + name(intervalFile) + ")");
                }
                intervalFile = input;
            }
        }
        if (kernelsFile == null) {
            throw new TeraioException(name(intervalFile) + ": an interval config alone cannot be imported; "
                    + "give its kernels.config too");
        }
        LongConsumer bytesRead = (options == null ? ImportOptions.defaults() : options).bytesRead();
        KernelsConfig config = readKernels(kernelsFile, bytesRead);
        computeUses(config);
        IntervalCheck check = intervalFile == null ? null : readIntervals(intervalFile, config, bytesRead);
        return build(config, check, kernelsFile);
    }

    // ---------------------------------------------------------------- input classification

    private static boolean isKernelsConfig(Path input) {
        String lower = name(input).toLowerCase(Locale.ROOT);
        if (lower.endsWith("kernels.config") || lower.endsWith("kernels.config.gz")) {
            return true;
        }
        if (lower.endsWith("interval.config") || lower.endsWith("interval.config.gz")) {
            return false;
        }
        try (Lines lines = new Lines(input, bytes -> { })) {
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith(KERNEL_PREFIX)) {
                    return true;
                }
                if (line.startsWith("tensor")) {
                    return false;
                }
                break;
            }
            throw lines.error("not a G10 kernels or interval config: expected \"Kernel ID: N, Name: NAME\" or "
                    + "\"tensorN ...\", got " + quote(line));
        }
    }

    // ---------------------------------------------------------------- kernels.config

    /** One tensor as the kernels config declares it, with what the kernels do with it. */
    private static final class G10Tensor {
        final int g10Id;
        final long bytes;
        final boolean global;
        int firstKernel = -1;
        int lastKernel = -1;
        /** The output slot at {@link #firstKernel}, or -(input slot + 1) if first seen as an input. */
        int firstSlot;
        boolean gradient;
        int traceId = -1;
        /** The kernels config line that first names it. */
        int firstLine;

        G10Tensor(int g10Id, long bytes, boolean global) {
            this.g10Id = g10Id;
            this.bytes = bytes;
            this.global = global;
        }
    }

    private record Kernel(String name, long cycles, int[] inputs, int[] outputs) {
    }

    private record KernelsConfig(String file, List<Kernel> kernels, Map<Integer, G10Tensor> tensors) {
    }

    private enum Section { KERNEL_HEADER, TIME, SHAPES, INPUTS, OUTPUTS }

    /**
     * The most cycles all kernels may take together: a trace's limit of 2^50 ns at
     * {@link #CLOCK_HZ}, less 2^40 ns for rounding each kernel to a whole nanosecond.
     */
    private static final long MAX_TOTAL_CYCLES = (long) ((TraceValidator.MAX_TOTAL_DURATION_NS - (1L << 40))
            * (CLOCK_HZ / 1e9));

    private static KernelsConfig readKernels(Path file, LongConsumer bytesRead) {
        List<Kernel> kernels = new ArrayList<>();
        Map<Integer, G10Tensor> tensors = new HashMap<>();
        IntList inputs = new IntList();
        IntList outputs = new IntList();
        try (Lines lines = new Lines(file, bytesRead)) {
            Section section = null;
            String kernelName = null;
            long cycles = 0;
            long totalCycles = 0;
            long totalBytes = 0;
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                if (section == null) {
                    if (!line.startsWith(KERNEL_PREFIX)) {
                        throw lines.error("not a G10 kernels config: expected \"Kernel ID: " + kernels.size()
                                + ", Name: NAME\", got " + quote(line));
                    }
                    kernelName = parseKernelHeader(lines, line, kernels.size());
                    section = Section.KERNEL_HEADER;
                } else if (section == Section.KERNEL_HEADER && line.startsWith("Parent ")) {
                    section = Section.KERNEL_HEADER; // the layer or op the kernel belongs to: not needed
                } else if (section == Section.KERNEL_HEADER) {
                    if (!line.startsWith(TIME_PREFIX)) {
                        throw lines.error("expected \"Execution Time: CYCLES\" for kernel " + kernels.size()
                                + ", got " + quote(line));
                    }
                    cycles = parseLong(lines, line.substring(TIME_PREFIX.length()).trim(), "execution time");
                    totalCycles = ImportLimits.saturatedAdd(totalCycles, cycles);
                    if (totalCycles > MAX_TOTAL_CYCLES) {
                        throw lines.error(String.format(Locale.ROOT, "kernel %d's execution time of %d cycles takes the"
                                + " kernels' total past %d cycles at %s, the limit of a trace (2^50 ns, about 13 days;"
                                + " docs/trace-format.md#limits)", kernels.size(), cycles, MAX_TOTAL_CYCLES,
                                CLOCK_HZ_TEXT));
                    }
                    section = Section.TIME;
                } else if ((section == Section.TIME || section == Section.SHAPES) && line.startsWith("(")) {
                    section = Section.SHAPES; // a shape such as (1280,3,224,224): not needed
                } else if (section == Section.TIME || section == Section.SHAPES) {
                    if (!line.equals(INPUTS)) {
                        throw lines.error("expected \"Input Tensors:\" for kernel " + kernels.size() + ", got "
                                + quote(line));
                    }
                    section = Section.INPUTS;
                } else if (section == Section.INPUTS && line.equals(OUTPUTS)) {
                    section = Section.OUTPUTS;
                } else if (section == Section.OUTPUTS && isSeparator(line)) {
                    kernels.add(new Kernel(kernelName, cycles, inputs.toArray(), outputs.toArray()));
                    inputs.clear();
                    outputs.clear();
                    section = null;
                } else if (line.startsWith("tensor")) {
                    int known = tensors.size();
                    G10Tensor tensor = parseTensorUse(lines, line, tensors);
                    if (tensors.size() > known) {
                        totalBytes = ImportLimits.saturatedAdd(totalBytes, tensor.bytes);
                        if (totalBytes > TraceValidator.MAX_TOTAL_BYTES) {
                            throw lines.error(ImportLimits.bytesPastLimit("tensor" + tensor.g10Id, tensor.bytes));
                        }
                    }
                    (section == Section.INPUTS ? inputs : outputs).add(tensor.g10Id);
                } else {
                    throw lines.error("expected a tensor " + TENSOR_SYNTAX + (section == Section.INPUTS
                            ? " or \"Output Tensors:\"" : " or a \"____\" separator") + " in kernel "
                            + kernels.size() + ", got " + quote(line));
                }
            }
            if (section == Section.OUTPUTS) {
                kernels.add(new Kernel(kernelName, cycles, inputs.toArray(), outputs.toArray()));
            } else if (section != null) {
                throw lines.error("the file ends inside kernel " + kernels.size() + " (before its "
                        + "\"Output Tensors:\"): truncated?");
            }
            if (kernels.isEmpty()) {
                throw new TeraioException(name(file) + ": not a G10 kernels config: no \"Kernel ID:\" lines");
            }
        }
        return new KernelsConfig(name(file), kernels, tensors);
    }

    private static String parseKernelHeader(Lines lines, String line, int expectedId) {
        int comma = line.indexOf(',');
        int namePos = line.indexOf("Name:");
        if (comma < 0 || namePos < comma) {
            throw lines.error("not a G10 kernels config: expected \"Kernel ID: " + expectedId
                    + ", Name: NAME\", got " + quote(line));
        }
        long id = parseLong(lines, line.substring(KERNEL_PREFIX.length(), comma).trim(), "kernel id");
        if (id != expectedId) {
            throw lines.error("expected kernel " + expectedId + " (kernels are numbered in order from 0), got "
                    + "Kernel ID " + id);
        }
        String kernelName = line.substring(namePos + "Name:".length()).trim();
        return kernelName.isEmpty() ? "kernel" + expectedId : kernelName;
    }

    /**
     * Parses {@code tensorN Is weight (global)?: F, Size in byte: B, Range:A--B}; the first
     * line that names a tensor declares it, later lines must agree.
     */
    private static G10Tensor parseTensorUse(Lines lines, String line, Map<Integer, G10Tensor> tensors) {
        TensorLine parsed = TensorLine.parse(lines, line);
        G10Tensor tensor = tensors.get(parsed.g10Id);
        if (tensor == null) {
            tensor = new G10Tensor(parsed.g10Id, parsed.bytes, parsed.global);
            tensor.firstLine = lines.lineNumber;
            tensors.put(parsed.g10Id, tensor);
        } else if (tensor.bytes != parsed.bytes || tensor.global != parsed.global) {
            throw lines.error("tensor" + parsed.g10Id + " is redeclared as " + describe(parsed.bytes, parsed.global)
                    + ", it was " + describe(tensor.bytes, tensor.global));
        }
        return tensor;
    }

    private static String describe(long bytes, boolean global) {
        return bytes + " bytes, " + (global ? "global" : "not global");
    }

    /** One tensor line, in either file. */
    private record TensorLine(int g10Id, boolean global, long bytes) {
        private static final String WEIGHT = " Is weight (global)?:";
        private static final String SIZE = "Size in byte:";

        static TensorLine parse(Lines lines, String line) {
            int weight = line.indexOf(WEIGHT);
            int size = line.indexOf(SIZE);
            if (!line.startsWith("tensor") || weight < 0 || size < weight) {
                throw lines.error("expected a tensor " + TENSOR_SYNTAX + ", got " + quote(line));
            }
            long id = parseLong(lines, line.substring("tensor".length(), weight), "tensor id");
            if (id > Integer.MAX_VALUE) {
                throw lines.error("tensor id " + id + " is too large");
            }
            int flagEnd = line.indexOf(',', weight);
            String flag = flagEnd < 0 ? "" : line.substring(weight + WEIGHT.length(), flagEnd).trim();
            if (!flag.equals("0") && !flag.equals("1")) {
                throw lines.error("expected the global flag 0 or 1 in " + quote(line));
            }
            int sizeEnd = line.indexOf(',', size);
            long bytes = parseLong(lines, line.substring(size + SIZE.length(), sizeEnd < 0 ? line.length() : sizeEnd)
                    .trim(), "size in bytes");
            if (bytes <= 0) {
                throw lines.error("tensor" + id + " has size " + bytes + " bytes; sizes must be positive");
            }
            return new TensorLine((int) id, flag.equals("1"), bytes);
        }
    }

    // ---------------------------------------------------------------- interval.config

    /** What the interval config held and how it compared. */
    private record IntervalCheck(String file, int records, int globalRecords, int hidingIntervals,
                                 List<G10Tensor> onlyHere) {
    }

    /**
     * Reads interval.config: per tensor, a tensor line, then {@code Liveness: Birth: B, Death: D.}
     * (kernel ids; Death is one past the last kernel that uses it, -1 when no kernel uses it
     * after its birth) or {@code Global!}, a separator, the tensor line again, {@code Hidding
     * Intervals:} with {@code interval I: A--------B} / {@code Estimated Time:US} pairs (the
     * idle kernels A..B-1 between two uses and their time in microseconds; A > B for a weight's
     * interval that wraps into the next iteration), a separator.
     */
    private static IntervalCheck readIntervals(Path file, KernelsConfig config, LongConsumer bytesRead) {
        int kernelCount = config.kernels().size();
        Map<Integer, G10Tensor> seen = new HashMap<>();
        List<G10Tensor> onlyHere = new ArrayList<>();
        int records = 0;
        int globalRecords = 0;
        int intervals = 0;
        try (Lines lines = new Lines(file, bytesRead)) {
            String line;
            // 0: expect a tensor line (record start); 1: expect Liveness/Global!; 2: expect separator;
            // 3: expect the tensor line again; 4: expect "Hidding Intervals:"; 5: intervals until separator
            int state = 0;
            TensorLine current = null;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                switch (state) {
                    case 0 -> {
                        if (!line.startsWith("tensor")) {
                            throw lines.error("not a G10 interval config: expected a tensor " + TENSOR_SYNTAX
                                    + ", got " + quote(line));
                        }
                        current = TensorLine.parse(lines, line);
                        if (seen.containsKey(current.g10Id)) {
                            throw lines.error("tensor" + current.g10Id + " has a second record");
                        }
                        G10Tensor declared = config.tensors().get(current.g10Id);
                        if (declared == null) {
                            G10Tensor unused = new G10Tensor(current.g10Id, current.bytes, current.global);
                            onlyHere.add(unused);
                            seen.put(current.g10Id, unused);
                        } else {
                            if (declared.bytes != current.bytes || declared.global != current.global) {
                                throw lines.error("tensor" + current.g10Id + " is " + describe(current.bytes,
                                        current.global) + " here but " + describe(declared.bytes, declared.global)
                                        + " in the kernels config (files from different runs?)");
                            }
                            seen.put(current.g10Id, declared);
                        }
                        records++;
                        state = 1;
                    }
                    case 1 -> {
                        G10Tensor tensor = seen.get(current.g10Id);
                        if (line.equals("Global!")) {
                            if (!current.global) {
                                throw lines.error("tensor" + current.g10Id + " is marked Global! but its flag is 0");
                            }
                            globalRecords++;
                        } else if (line.startsWith("Liveness:")) {
                            checkLiveness(lines, line, tensor, kernelCount);
                        } else {
                            throw lines.error("expected \"Liveness: Birth: B, Death: D.\" or \"Global!\" for tensor"
                                    + current.g10Id + ", got " + quote(line));
                        }
                        state = 2;
                    }
                    case 2, 4 -> {
                        boolean ok = state == 2 ? isSeparator(line) : line.equals("Hidding Intervals:");
                        if (!ok) {
                            throw lines.error("expected " + (state == 2 ? "a \"____\" separator"
                                    : "\"Hidding Intervals:\"") + " for tensor" + current.g10Id + ", got "
                                    + quote(line));
                        }
                        state++;
                    }
                    case 3 -> {
                        TensorLine again = TensorLine.parse(lines, line);
                        if (again.g10Id != current.g10Id) {
                            throw lines.error("expected tensor" + current.g10Id + " again, got tensor" + again.g10Id);
                        }
                        state = 4;
                    }
                    default -> {
                        if (isSeparator(line)) {
                            state = 0;
                        } else if (line.startsWith("interval ")) {
                            checkInterval(lines, line, kernelCount);
                            intervals++;
                        } else if (line.startsWith("Estimated Time:")) {
                            parseDouble(lines, line.substring("Estimated Time:".length()).trim());
                        } else {
                            throw lines.error("expected \"interval I: A--------B\", \"Estimated Time:US\" or a "
                                    + "\"____\" separator for tensor" + current.g10Id + ", got " + quote(line));
                        }
                    }
                }
            }
            if (state != 0 && state != 5) {
                throw lines.error("the file ends inside the record of tensor" + current.g10Id + ": truncated?");
            }
            if (records == 0) {
                throw new TeraioException(name(file) + ": not a G10 interval config: no tensor records");
            }
        }
        for (G10Tensor tensor : config.tensors().values()) {
            if (!seen.containsKey(tensor.g10Id)) {
                throw new TeraioException(config.file() + ":" + tensor.firstLine + ": kernel " + tensor.firstKernel
                        + " uses tensor" + tensor.g10Id + ", which " + name(file) + " does not declare (files from "
                        + "different runs?)");
            }
        }
        return new IntervalCheck(name(file), records, globalRecords, intervals, onlyHere);
    }

    private static void checkLiveness(Lines lines, String line, G10Tensor tensor, int kernelCount) {
        int birthPos = line.indexOf("Birth:");
        int comma = line.indexOf(',', Math.max(birthPos, 0));
        int deathPos = line.indexOf("Death:");
        if (birthPos < 0 || comma < 0 || deathPos < comma) {
            throw lines.error("expected \"Liveness: Birth: B, Death: D.\", got " + quote(line));
        }
        long birth = parseLong(lines, line.substring(birthPos + "Birth:".length(), comma).trim(), "birth");
        String deathText = line.substring(deathPos + "Death:".length()).trim();
        if (deathText.endsWith(".")) {
            deathText = deathText.substring(0, deathText.length() - 1);
        }
        long death = parseSignedLong(lines, deathText, "death");
        if (tensor.global) {
            throw lines.error("tensor" + tensor.g10Id + " is global but has a Liveness record");
        }
        if (tensor.firstKernel < 0) {
            return; // only in this file: dropped, nothing to compare
        }
        long expectedDeath = tensor.lastKernel > tensor.firstKernel ? tensor.lastKernel + 1L : -1L;
        boolean deathOk = death == expectedDeath || death == tensor.lastKernel + 1L;
        if (birth != tensor.firstKernel || !deathOk || birth > kernelCount) {
            throw lines.error("tensor" + tensor.g10Id + " has Birth " + birth + ", Death " + death
                    + " but the kernels config uses it from kernel " + tensor.firstKernel + " to "
                    + tensor.lastKernel + " (files from different runs?)");
        }
    }

    private static void checkInterval(Lines lines, String line, int kernelCount) {
        int colon = line.indexOf(':');
        int dash = line.indexOf("--", Math.max(colon, 0));
        if (colon < 0 || dash < 0) {
            throw lines.error("expected \"interval I: A--------B\", got " + quote(line));
        }
        int end = dash;
        while (end < line.length() && line.charAt(end) == '-') {
            end++;
        }
        long from = parseLong(lines, line.substring(colon + 1, dash).trim(), "interval start");
        long to = parseLong(lines, line.substring(end).trim(), "interval end");
        // from > to: a weight's interval that wraps past the end of the iteration to its first use.
        if (from > kernelCount || to > kernelCount) {
            throw lines.error("interval " + from + ".." + to + " is not within kernels 0.." + kernelCount);
        }
    }

    // ---------------------------------------------------------------- building the trace

    private static void computeUses(KernelsConfig config) {
        List<Kernel> kernels = config.kernels();
        Map<Integer, G10Tensor> tensors = config.tensors();
        for (int k = 0; k < kernels.size(); k++) {
            Kernel kernel = kernels.get(k);
            boolean applyGrad = kernel.name().contains("Apply_Grad");
            for (int slot = 0; slot < kernel.inputs().length; slot++) {
                G10Tensor tensor = tensors.get(kernel.inputs()[slot]);
                noteUse(tensor, k, -(slot + 1));
                if (applyGrad && !tensor.global) {
                    tensor.gradient = true;
                }
            }
            for (int slot = 0; slot < kernel.outputs().length; slot++) {
                noteUse(tensors.get(kernel.outputs()[slot]), k, slot);
            }
        }
    }

    private static void noteUse(G10Tensor tensor, int kernel, int slot) {
        if (tensor.firstKernel < 0) {
            tensor.firstKernel = kernel;
            tensor.firstSlot = slot;
        } else if (tensor.firstKernel == kernel && tensor.firstSlot < 0 && slot >= 0) {
            tensor.firstSlot = slot; // read and written by its first kernel: name it by the output
        }
        tensor.lastKernel = kernel;
    }

    private static ImportResult build(KernelsConfig config, IntervalCheck check, Path kernelsFile) {
        List<Kernel> kernels = config.kernels();
        String model = String.valueOf(kernelsFile.getFileName()).replaceFirst("(?i)\\.?kernels\\.config(\\.gz)?$", "");
        Recorder recorder = new Recorder(new TraceSource("teraio g10 importer", "G10 (MICRO'23) analysis stage",
                model.isEmpty() ? null : model, "simulated GPU at " + CLOCK_HZ_TEXT));

        // Tensors in order of first use, so ids follow the program.
        List<G10Tensor> ordered = new ArrayList<>(config.tensors().values());
        ordered.sort((a, b) -> a.firstKernel != b.firstKernel ? Integer.compare(a.firstKernel, b.firstKernel)
                : Integer.compare(a.g10Id, b.g10Id));
        long bytesKept = 0;
        int globals = 0;
        int gradients = 0;
        IntList[] allocsAt = new IntList[kernels.size()];
        IntList[] freesAt = new IntList[kernels.size()];
        for (G10Tensor tensor : ordered) {
            bytesKept += tensor.bytes;
            if (tensor.global) {
                globals++;
                tensor.traceId = recorder.registerTensor("tensor" + tensor.g10Id, tensor.bytes, TensorKind.PARAMETER,
                        true, true);
                continue;
            }
            String key = tensor.firstSlot >= 0 ? "op" + tensor.firstKernel + ".out" + tensor.firstSlot
                    : "op" + tensor.firstKernel + ".in" + (-tensor.firstSlot - 1);
            TensorKind kind = tensor.gradient ? TensorKind.GRADIENT : TensorKind.ACTIVATION;
            if (tensor.gradient) {
                gradients++;
            }
            tensor.traceId = recorder.registerTensor(key, tensor.bytes, kind, false, true);
            add(allocsAt, tensor.firstKernel, tensor.traceId);
            add(freesAt, tensor.lastKernel, tensor.traceId);
        }

        long totalCycles = 0;
        IntList uses = new IntList();
        for (int k = 0; k < kernels.size(); k++) {
            Kernel kernel = kernels.get(k);
            uses.clear();
            for (int g10Id : kernel.inputs()) {
                uses.addUnique(config.tensors().get(g10Id).traceId);
            }
            for (int g10Id : kernel.outputs()) {
                uses.addUnique(config.tensors().get(g10Id).traceId);
            }
            totalCycles += kernel.cycles();
            recorder.recordOp(kernel.name(), Math.round(kernel.cycles() * 1e9 / CLOCK_HZ), uses.toArray(),
                    allocsAt[k] == null ? null : allocsAt[k].toArray(), freesAt[k] == null ? null : freesAt[k].toArray());
        }
        recorder.endIteration();
        Trace trace = recorder.toTrace();

        List<String> dropped = new ArrayList<>();
        List<String> assumptions = new ArrayList<>();
        long tensorsRead = config.tensors().size();
        long bytesDropped = 0;
        if (check != null && !check.onlyHere().isEmpty()) {
            tensorsRead += check.onlyHere().size();
            for (G10Tensor tensor : check.onlyHere()) {
                bytesDropped += tensor.bytes;
            }
            dropped.add(String.format(Locale.ROOT, "%,d tensors that only %s lists and no kernel uses, %,d bytes",
                    check.onlyHere().size(), check.file(), bytesDropped));
        }
        assumptions.add(String.format(Locale.ROOT, "durations: Execution Time cycles / %s (G10's GPU_frequency_GHz);"
                + " %,d cycles in all = %.3f s for the iteration", CLOCK_HZ_TEXT, totalCycles, totalCycles / CLOCK_HZ));
        assumptions.add("the kernels config describes one training iteration (forward, backward, weight update): "
                + "one iteration of " + kernels.size() + " ops");
        assumptions.add(String.format(Locale.ROOT, "%,d global (weight) tensors are persistent parameters; the data"
                + " names no optimizer state", globals));
        assumptions.add(String.format(Locale.ROOT, "%,d non-global tensors read by an Apply_Grad kernel are "
                + "gradients, the other %,d activations", gradients, ordered.size() - globals - gradients));
        assumptions.add("a non-global tensor is allocated by the first kernel that lists it (as input or output) and"
                + " freed by the last; kernels listing a tensor only as output are active on it");
        assumptions.add("tensor shapes, address ranges and parent layer/op lines are ignored");
        if (check != null) {
            assumptions.add(String.format(Locale.ROOT, "%s: %,d tensor records (%,d global) and %,d hiding intervals "
                    + "parsed; every liveness record agrees with the kernels config; nothing taken from it",
                    check.file(), check.records(), check.globalRecords(), check.hidingIntervals()));
        }
        ImportReport report = new ImportReport(kernels.size(), trace.ops().size(), tensorsRead,
                trace.tensors().size(), bytesKept, bytesDropped, dropped, assumptions);
        return new ImportResult(trace, report);
    }

    private static void add(IntList[] lists, int at, int value) {
        if (lists[at] == null) {
            lists[at] = new IntList();
        }
        lists[at].add(value);
    }

    // ---------------------------------------------------------------- small helpers

    private static boolean isSeparator(String line) {
        if (line.length() < 10) {
            return false;
        }
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) != '_') {
                return false;
            }
        }
        return true;
    }

    private static long parseLong(Lines lines, String text, String what) {
        long value = parseSignedLong(lines, text, what);
        if (value < 0) {
            throw lines.error("expected a non-negative " + what + ", got " + quote(text));
        }
        return value;
    }

    private static long parseSignedLong(Lines lines, String text, String what) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw lines.error("expected an integer " + what + ", got " + quote(text));
        }
    }

    private static double parseDouble(Lines lines, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw lines.error("expected a number of microseconds after \"Estimated Time:\", got " + quote(text));
        }
    }

    private static String quote(String line) {
        if (line == null) {
            return "the end of the file";
        }
        String shown = line.length() > 80 ? line.substring(0, 77) + "..." : line;
        return "\"" + shown + "\"";
    }

    private static String name(Path path) {
        return path.toString();
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] values = new int[8];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, 2 * size);
            }
            values[size++] = value;
        }

        void addUnique(int value) {
            for (int i = 0; i < size; i++) {
                if (values[i] == value) {
                    return;
                }
            }
            add(value);
        }

        void clear() {
            size = 0;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    /** Lines of a plain or gzip file, with the line number for messages and I/O errors as TeraioExceptions. */
    private static final class Lines implements AutoCloseable {
        private final String fileName;
        private final BufferedReader reader;
        private int lineNumber;

        Lines(Path file, LongConsumer bytesRead) {
            this.fileName = name(file);
            try {
                InputStream in = Gzip.decompressIfGzip(new BufferedInputStream(
                        new MeteredInputStream(Files.newInputStream(file), bytesRead), 1 << 16), 1 << 16);
                reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
            } catch (NoSuchFileException e) {
                throw new TeraioException(fileName + ": cannot read: no such file");
            } catch (EOFException e) {
                throw new TeraioException(fileName + ": truncated gzip stream (no complete header)", e);
            } catch (AccessDeniedException e) {
                throw new TeraioException(fileName + ": cannot read: permission denied");
            } catch (IOException e) {
                throw new TeraioException(fileName + ": cannot read: " + reason(e), e);
            }
        }

        /** The next line, or null at the end of the file. */
        String next() {
            try {
                String line = reader.readLine();
                if (line != null) {
                    lineNumber++;
                    if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                        line = line.substring(1);
                    }
                }
                return line;
            } catch (EOFException e) {
                throw new TeraioException(fileName + ": truncated gzip stream after line " + lineNumber, e);
            } catch (ZipException e) {
                throw new TeraioException(fileName + ": corrupt gzip stream after line " + lineNumber + ": "
                        + reason(e), e);
            } catch (IOException e) {
                throw new TeraioException(fileName + ": cannot read after line " + lineNumber + ": " + reason(e), e);
            }
        }

        TeraioException error(String problem) {
            return new TeraioException(fileName + ":" + lineNumber + ": " + problem);
        }

        @Override
        public void close() {
            try {
                reader.close();
            } catch (IOException e) {
                // nothing was lost: the file was only read
            }
        }

        private static String reason(IOException e) {
            return e.getMessage() != null ? e.getMessage()
                    : e instanceof EOFException ? "unexpected end of file" : e.getClass().getSimpleName();
        }
    }
}
