package io.teraio.profiler.importer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.internal.Gzip;
import io.teraio.core.internal.MeteredInputStream;
import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.TraceFormatException;
import io.teraio.core.trace.TraceSource;
import io.teraio.core.trace.TraceValidator;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Imports a Chrome trace JSON that {@code torch.profiler} (Kineto) wrote with
 * {@code profile_memory=True} ({@code prof.export_chrome_trace("trace.json")}), plain or gzip
 * compressed (recognised by its magic bytes), as format {@code kineto}.
 *
 * <p>It accepts exactly one input file. The mapping, in short (docs/importers.md has
 * it in full):
 * <ul>
 *   <li><b>Ops</b>: the device ops (events of category {@code kernel}, {@code gpu_memcpy},
 *       {@code gpu_memset}) in start-time order, {@code dur} µs as nanoseconds (at least 1).
 *       Each is named by the innermost {@code cpu_op} that launched it: its {@code correlation}
 *       finds the {@code cuda_runtime} launch, whose start lies inside that {@code cpu_op} on
 *       the launching thread; failing that by {@code External id}; failing that by the kernel
 *       name. A trace without device ops (CPU-only) uses the top-level {@code cpu_op}s instead
 *       (those not nested in another {@code cpu_op} of the same thread).</li>
 *   <li><b>Launch time and group</b>: every op has a launch time on the CPU clock (its
 *       {@code cuda_runtime} start; a CPU op's own start) and a group, the top-level
 *       {@code cpu_op} around its launch.</li>
 *   <li><b>Tensors</b>: {@code [memory]} instant events with Device Type 1 (CUDA); positive
 *       {@code Bytes} allocate at {@code Addr}, negative ones free the most recent live
 *       allocation there. Other device types are dropped and counted, frees of unknown
 *       addresses counted.</li>
 *   <li><b>Allocating op</b> of an allocation at CPU time t whose top-level {@code cpu_op} is
 *       G: the first op of G launched at or after t; else the last op of G; else the first op
 *       launched at or after t; else the last op. <b>Freeing op</b> of a free at t in group G:
 *       the last op of G launched at or before t; else the last op launched at or before t;
 *       else op 0; and never before the allocating op.</li>
 *   <li><b>Uses</b>: the allocating and freeing ops, the ops of the allocation's group
 *       launched at or after the allocation and the ops of the free's group launched at or
 *       before the free, within the live range.</li>
 *   <li><b>Kinds</b>: allocated before the first op's launch and never freed: persistent,
 *       kind {@code other}; allocated and freed by the same op: {@code workspace}; the rest
 *       {@code activation}.</li>
 *   <li><b>Iterations</b>: cut at the starts of {@code ProfilerStep#N} spans when there are
 *       any, else one iteration.</li>
 * </ul>
 *
 * <p>The default importer rejects a trace without {@code [memory]} events; {@link #opsOnly()}
 * imports such a trace as ops without tensors (timings only).
 */
public final class KinetoImporter implements TraceImporter {
    /** The {@code Device Type} of CUDA memory in {@code [memory]} events (c10::DeviceType::CUDA). */
    public static final int DEVICE_TYPE_CUDA = 1;
    /** The {@code Device Type} of CPU memory in {@code [memory]} events (c10::DeviceType::CPU). */
    public static final int DEVICE_TYPE_CPU = 0;

    private static final JsonFactory JSON = new JsonFactory();
    private static final int BUFFER_BYTES = 1 << 16;

    private final boolean requireMemoryEvents;

    /** An importer that requires {@code [memory]} events (the trace is for offload planning). */
    public KinetoImporter() {
        this(true);
    }

    private KinetoImporter(boolean requireMemoryEvents) {
        this.requireMemoryEvents = requireMemoryEvents;
    }

    /**
     * An importer that also accepts a trace without {@code [memory]} events, importing its
     * ops and durations with no tensors (useful for timings only; nothing to plan).
     */
    public static KinetoImporter opsOnly() {
        return new KinetoImporter(false);
    }

    @Override
    public String format() {
        return "kineto";
    }

    /**
     * Imports one Kineto Chrome trace ({@code .json} or {@code .json.gz}).
     *
     * @param inputs  exactly one file
     * @param options only {@link ImportOptions#cpuAsDevice()} and {@link ImportOptions#bytesRead()}
     *                apply (may be {@code null})
     * @throws TeraioException if the file is missing, unreadable, truncated, not a Chrome trace,
     *                         or (unless {@link #opsOnly()}) has no {@code [memory]} events or
     *                         only CPU allocations without {@code cpuAsDevice}
     */
    @Override
    public ImportResult importFiles(List<Path> inputs, ImportOptions options) {
        if (inputs == null || inputs.size() != 1) {
            throw new TeraioException("kineto: expects one Chrome trace file (torch.profiler export_chrome_trace), got "
                    + (inputs == null ? 0 : inputs.size()));
        }
        Path file = inputs.get(0);
        String name = file.toString();
        ImportOptions opts = options == null ? ImportOptions.defaults() : options;
        Events events = read(file, name, opts.bytesRead());
        return new Converter(events, name, requireMemoryEvents, opts.cpuAsDevice()).convert();
    }

    // ---------------------------------------------------------------- reading

    /** Reads the events of a Chrome trace that importers use (also {@link KinetoDurations}). */
    static Events read(Path file, String name, LongConsumer bytesRead) {
        if (Files.isDirectory(file)) {
            throw new TeraioException(name + ": cannot read: is a directory");
        }
        boolean gzip = false;
        try (InputStream raw = new MeteredInputStream(Files.newInputStream(file), bytesRead);
             BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER_BYTES)) {
            if (Files.size(file) == 0) {
                throw new TeraioException(name + ": empty file");
            }
            gzip = Gzip.startsWithMagic(buffered);
            try (InputStream body = gzip ? new GZIPInputStream(buffered, BUFFER_BYTES) : buffered;
                 JsonParser json = JSON.createParser(body)) {
                return parse(json, name);
            }
        } catch (NoSuchFileException e) {
            throw new TeraioException(name + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new TeraioException(name + ": cannot read: Permission denied", e);
        } catch (JsonEOFException e) {
            throw new TeraioException(name + where(e) + ": truncated: the input ends in the middle of the JSON", e);
        } catch (JsonProcessingException e) {
            throw new TeraioException(name + where(e) + ": not valid JSON: " + e.getOriginalMessage()
                    .replaceAll("\\s+", " "), e);
        } catch (ZipException | EOFException e) {
            if (gzip) {
                throw new TeraioException(name + ": truncated or corrupt gzip data (" + reason(e) + ")", e);
            }
            throw new TeraioException(name + ": cannot read: " + reason(e), e);
        } catch (IOException e) {
            throw new TeraioException(name + ": cannot read: " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() != null ? e.getMessage()
                : e instanceof EOFException ? "unexpected end of file" : e.getClass().getSimpleName();
    }

    private static String where(JsonProcessingException e) {
        if (e instanceof StreamReadException && e.getLocation() != null) {
            return ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr();
        }
        return "";
    }

    private static Events parse(JsonParser json, String name) throws IOException {
        if (json.nextToken() != JsonToken.START_OBJECT) {
            throw new TeraioException(name + ": not a Chrome trace: expected a JSON object with a \"traceEvents\" array");
        }
        Events events = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            if ("traceEvents".equals(field)) {
                if (value != JsonToken.START_ARRAY) {
                    throw new TeraioException(name + ": not a Chrome trace: \"traceEvents\" is not an array");
                }
                events = new Events();
                while (json.nextToken() != JsonToken.END_ARRAY) {
                    if (json.currentToken() == JsonToken.START_OBJECT) {
                        parseEvent(json, events, name);
                    } else {
                        json.skipChildren();
                    }
                }
            } else {
                json.skipChildren();
            }
        }
        if (events == null) {
            throw new TeraioException(name + ": not a Chrome trace: no \"traceEvents\" array");
        }
        return events;
    }

    /** Reads one event object (the parser is at its START_OBJECT) and keeps what the import needs. */
    private static void parseEvent(JsonParser json, Events events, String name) throws IOException {
        String ph = null;
        String cat = null;
        String eventName = null;
        String tid = null;
        double ts = Double.NaN;
        double dur = 0;
        long addr = 0;
        long bytes = 0;
        long totalAllocated = -1;
        int deviceType = -1;
        int deviceId = 0;
        long externalId = -1;
        long correlation = -1;
        long sequence = -1;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            switch (field) {
                case "ph" -> ph = text(json, value);
                case "cat" -> cat = text(json, value);
                case "name" -> eventName = text(json, value);
                case "tid" -> tid = text(json, value);
                case "ts" -> ts = number(json, value);
                case "dur" -> dur = number(json, value);
                case "args" -> {
                    if (value != JsonToken.START_OBJECT) {
                        json.skipChildren();
                        break;
                    }
                    while (json.nextToken() == JsonToken.FIELD_NAME) {
                        String arg = json.currentName();
                        JsonToken argValue = json.nextToken();
                        switch (arg) {
                            case "Addr" -> addr = integer(json, argValue);
                            case "Bytes" -> bytes = integer(json, argValue);
                            case "Total Allocated" -> totalAllocated = integer(json, argValue);
                            case "Device Type" -> deviceType = (int) integer(json, argValue);
                            case "Device Id" -> deviceId = (int) integer(json, argValue);
                            case "External id" -> externalId = integer(json, argValue);
                            case "correlation" -> correlation = integer(json, argValue);
                            case "Sequence number" -> sequence = integer(json, argValue);
                            default -> json.skipChildren();
                        }
                    }
                }
                default -> json.skipChildren();
            }
        }
        events.total++;
        if (eventName == null || Double.isNaN(ts)) {
            return;
        }
        if ("[memory]".equals(eventName)) {
            if (bytes > TraceValidator.MAX_TOTAL_BYTES || bytes < -TraceValidator.MAX_TOTAL_BYTES) {
                var at = json.currentLocation();
                throw new TeraioException(String.format(Locale.ROOT, "%s:%d:%d: a [memory] event has Bytes %d, past the"
                        + " limit of a trace, 2^50 bytes (1 PiB; docs/trace-format.md#limits)", name, at.getLineNr(),
                        at.getColumnNr(), bytes));
            }
            events.memory.add(new Memory(ts, events.thread(tid), addr, bytes, totalAllocated, deviceType, deviceId));
            return;
        }
        if (!"X".equals(ph) || cat == null) {
            return;
        }
        switch (cat) {
            case "kernel", "gpu_memcpy", "gpu_memset" -> events.kernels.add(
                    new Kernel(ts, dur, events.intern(eventName), correlation, externalId));
            case "cuda_runtime", "cuda_driver" -> {
                if (correlation >= 0) {
                    events.launches.put(correlation, new Launch(ts, events.thread(tid)));
                }
            }
            case "cpu_op", "user_annotation" -> {
                // ProfilerStep#N spans (a cpu_op in older torch versions) cut iterations; they are
                // not ops and would otherwise make one whole step the top-level cpu_op.
                if (eventName.startsWith("ProfilerStep#")) {
                    events.stepStarts.add(ts);
                } else {
                    CpuOp op = new CpuOp(ts, ts + dur, events.thread(tid), events.intern(eventName), externalId,
                            sequence);
                    (cat.equals("cpu_op") ? events.cpuOps : events.annotations).add(op);
                }
            }
            default -> {
            }
        }
    }

    private static String text(JsonParser json, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
            json.skipChildren();
            return null;
        }
        return value == JsonToken.VALUE_NULL ? null : json.getText();
    }

    private static double number(JsonParser json, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
            return json.getDoubleValue();
        }
        if (value == JsonToken.VALUE_STRING) {
            try {
                return Double.parseDouble(json.getText().trim());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        json.skipChildren();
        return Double.NaN;
    }

    /** An integer argument; big unsigned values (addresses) keep their low 64 bits. */
    private static long integer(JsonParser json, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT) {
            return json.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? json.getBigIntegerValue().longValue() : json.getLongValue();
        }
        if (value == JsonToken.VALUE_NUMBER_FLOAT) {
            return (long) json.getDoubleValue();
        }
        if (value == JsonToken.VALUE_STRING) {
            String s = json.getText().trim().toLowerCase(Locale.ROOT);
            try {
                return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        json.skipChildren();
        return 0;
    }

    record Kernel(double ts, double dur, String name, long correlation, long externalId) {
    }

    record Launch(double ts, int thread) {
    }

    /** A {@code cpu_op} or {@code user_annotation} span; {@code sequence} is its autograd sequence number or -1. */
    record CpuOp(double ts, double end, int thread, String name, long externalId, long sequence) {
    }

    record Memory(double ts, int thread, long addr, long bytes, long totalAllocated, int deviceType, int deviceId) {
    }

    /** What the import keeps of the events, in file order. */
    static final class Events {
        long total;
        final List<Kernel> kernels = new ArrayList<>();
        final Map<Long, Launch> launches = new HashMap<>();
        final List<CpuOp> cpuOps = new ArrayList<>();
        /** {@code user_annotation} spans other than {@code ProfilerStep#N}. */
        final List<CpuOp> annotations = new ArrayList<>();
        final List<Memory> memory = new ArrayList<>();
        final List<Double> stepStarts = new ArrayList<>();
        private final Map<String, Integer> threads = new HashMap<>();
        private final Map<String, String> names = new HashMap<>();

        int thread(String tid) {
            return threads.computeIfAbsent(tid == null ? "" : tid, k -> threads.size());
        }

        String intern(String name) {
            return names.computeIfAbsent(name, k -> k);
        }
    }

    // ---------------------------------------------------------------- converting

    /** Turns the events into ops, tensors and iterations. */
    private static final class Converter {
        private final Events events;
        private final String name;
        private final boolean requireMemoryEvents;

        private int opCount;
        private String[] opNames;
        private long[] opDurationNs;
        /** Launch time on the CPU clock (µs), the time memory events are compared with. */
        private double[] launchTs;
        /** The top-level cpu_op around the launch, -1 if none. */
        private int[] opGroup;
        private double[] prefixMaxLaunch;
        private double[] suffixMinLaunch;
        /** Ops of each group in index order. */
        private Map<Integer, int[]> groupOps;
        private final List<String> dropped = new ArrayList<>();
        private final List<String> assumptions = new ArrayList<>();

        /** The {@code Device Type} whose allocations are the tensors: CUDA, or the CPU with {@code --device cpu}. */
        private final int plannedType;

        Converter(Events events, String name, boolean requireMemoryEvents, boolean cpuAsDevice) {
            this.events = events;
            this.name = name;
            this.requireMemoryEvents = requireMemoryEvents;
            this.plannedType = cpuAsDevice ? DEVICE_TYPE_CPU : DEVICE_TYPE_CUDA;
        }

        ImportResult convert() {
            if (events.memory.isEmpty() && requireMemoryEvents) {
                throw new TeraioException(name + ": no [memory] events, so no allocations to plan: record with "
                        + "torch.profiler.profile(profile_memory=True); for its kernel times alone, import the execution"
                        + " trace of the same run with --from pytorch-et --kineto FILE, or take its ops with --ops-only");
            }
            List<CpuOp> cpuOps = events.cpuOps;
            boolean gpu = !events.kernels.isEmpty();
            long opsRead;
            if (gpu) {
                opsRead = events.kernels.size();
                buildGpuOps(cpuOps);
            } else {
                if (cpuOps.isEmpty()) {
                    throw new TeraioException(name + ": no kernel or cpu_op events: nothing to import");
                }
                opsRead = buildCpuOps(cpuOps);
            }
            indexLaunchTimes();

            int[] iterationEnds = iterationEnds();
            int[] iterationStartOfOp = new int[opCount];
            for (int i = 0, start = 0; i < iterationEnds.length; i++) {
                for (int op = start; op < iterationEnds[i]; op++) {
                    iterationStartOfOp[op] = start;
                }
                start = iterationEnds[i];
            }

            Recorder recorder = new Recorder(new TraceSource("teraio import --from kineto",
                    "pytorch (torch.profiler / Kineto)", Path.of(name).getFileName().toString(), gpu ? "cuda" : "cpu"));
            Allocations allocations = mapAllocations(cpuOps, recorder, iterationStartOfOp);

            long totalNs = 0;
            for (int op = 0, iteration = 0; op < opCount; op++) {
                totalNs = ImportLimits.addDuration(name, totalNs, opDurationNs[op], "op " + op + " (" + opNames[op] + ")");
                recorder.recordOp(opNames[op], opDurationNs[op], allocations.uses(op), allocations.allocs(op),
                        allocations.frees(op));
                if (iteration < iterationEnds.length - 1 && op + 1 == iterationEnds[iteration]) {
                    recorder.endIteration();
                    iteration++;
                }
            }
            try {
                var trace = recorder.toTrace();
                assumptions.add(0, String.format(Locale.ROOT,
                        "%,d trace events read: %,d device ops (kernel, gpu_memcpy, gpu_memset), %,d cpu_op, "
                                + "%,d [memory]; %,d ops kept in %d iteration(s)", events.total, events.kernels.size(),
                        cpuOps.size(), events.memory.size(), opCount, iterationEnds.length));
                ImportReport report = new ImportReport(opsRead, opCount, allocations.read, allocations.kept,
                        allocations.bytesKept, allocations.bytesDropped, dropped, assumptions);
                return new ImportResult(trace, report);
            } catch (TraceFormatException e) {
                throw new TeraioException(name + ": the imported trace breaks a trace rule: " + e.getMessage(), e);
            }
        }

        private void buildGpuOps(List<CpuOp> cpuOps) {
            List<Kernel> kernels = new ArrayList<>(events.kernels);
            kernels.sort((a, b) -> Double.compare(a.ts(), b.ts()));
            opCount = kernels.size();
            opNames = new String[opCount];
            opDurationNs = new long[opCount];
            launchTs = new double[opCount];
            opGroup = new int[opCount];
            double[] queryTs = new double[opCount];
            int[] queryThread = new int[opCount];
            boolean[] hasLaunch = new boolean[opCount];
            for (int i = 0; i < opCount; i++) {
                Kernel k = kernels.get(i);
                opDurationNs[i] = durationNs(k.dur());
                Launch launch = k.correlation() >= 0 ? events.launches.get(k.correlation()) : null;
                hasLaunch[i] = launch != null;
                queryTs[i] = launch != null ? launch.ts() : k.ts();
                queryThread[i] = launch != null ? launch.thread() : -1;
                launchTs[i] = queryTs[i];
            }
            int[] inner = new int[opCount];
            int[] outer = new int[opCount];
            enclosing(cpuOps, queryTs, queryThread, inner, outer);
            Map<Long, Integer> cpuOpByExternalId = new HashMap<>();
            for (int c = 0; c < cpuOps.size(); c++) {
                if (cpuOps.get(c).externalId() >= 0) {
                    cpuOpByExternalId.putIfAbsent(cpuOps.get(c).externalId(), c);
                }
            }
            long byCorrelation = 0;
            long byExternalId = 0;
            long byKernelName = 0;
            for (int i = 0; i < opCount; i++) {
                Kernel k = kernels.get(i);
                if (hasLaunch[i] && inner[i] >= 0) {
                    opNames[i] = cpuOps.get(inner[i]).name();
                    opGroup[i] = outer[i];
                    byCorrelation++;
                    continue;
                }
                Integer c = k.externalId() >= 0 ? cpuOpByExternalId.get(k.externalId()) : null;
                if (c != null) {
                    opNames[i] = cpuOps.get(c).name();
                    opGroup[i] = c;
                    byExternalId++;
                } else {
                    opNames[i] = k.name();
                    opGroup[i] = -1;
                    byKernelName++;
                }
            }
            assumptions.add(String.format(Locale.ROOT, "ops are the device ops (kernel, gpu_memcpy, gpu_memset) in "
                            + "start-time order; named by the innermost cpu_op around their cuda_runtime launch "
                            + "(%,d), by External id (%,d), or by the kernel name (%,d)",
                    byCorrelation, byExternalId, byKernelName));
        }

        private long buildCpuOps(List<CpuOp> cpuOps) {
            Integer[] order = sortedCpuOps(cpuOps);
            List<Integer> top = new ArrayList<>();
            int thread = Integer.MIN_VALUE;
            double end = Double.NEGATIVE_INFINITY;
            for (int c : order) {
                CpuOp op = cpuOps.get(c);
                if (op.thread() != thread || op.ts() >= end) {
                    thread = op.thread();
                    end = op.end();
                    top.add(c);
                }
            }
            top.sort((a, b) -> Double.compare(cpuOps.get(a).ts(), cpuOps.get(b).ts()));
            opCount = top.size();
            opNames = new String[opCount];
            opDurationNs = new long[opCount];
            launchTs = new double[opCount];
            opGroup = new int[opCount];
            for (int i = 0; i < opCount; i++) {
                CpuOp op = cpuOps.get(top.get(i));
                opNames[i] = op.name();
                opDurationNs[i] = durationNs(op.end() - op.ts());
                launchTs[i] = op.ts();
                opGroup[i] = top.get(i);
            }
            assumptions.add("no device ops in the trace (a CPU-only run): ops are the top-level cpu_op events "
                    + "(not nested in another cpu_op on the same thread) in start-time order");
            return opCount;
        }

        private static long durationNs(double durUs) {
            double ns = durUs * 1000.0;
            return ns >= 1 ? Math.round(ns) : 1;
        }

        private void indexLaunchTimes() {
            prefixMaxLaunch = new double[opCount];
            suffixMinLaunch = new double[opCount];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < opCount; i++) {
                max = Math.max(max, launchTs[i]);
                prefixMaxLaunch[i] = max;
            }
            double min = Double.POSITIVE_INFINITY;
            for (int i = opCount - 1; i >= 0; i--) {
                min = Math.min(min, launchTs[i]);
                suffixMinLaunch[i] = min;
            }
            Map<Integer, List<Integer>> lists = new HashMap<>();
            for (int i = 0; i < opCount; i++) {
                if (opGroup[i] >= 0) {
                    lists.computeIfAbsent(opGroup[i], g -> new ArrayList<>()).add(i);
                }
            }
            groupOps = new HashMap<>(lists.size() * 2);
            lists.forEach((g, l) -> groupOps.put(g, l.stream().mapToInt(Integer::intValue).toArray()));
        }

        /** The first op launched at or after {@code ts}, or -1. */
        private int firstLaunchedFrom(double ts) {
            int lo = 0;
            int hi = opCount;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (prefixMaxLaunch[mid] >= ts) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo < opCount ? lo : -1;
        }

        /** The last op launched at or before {@code ts}, or -1. */
        private int lastLaunchedBy(double ts) {
            int lo = -1;
            int hi = opCount - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (suffixMinLaunch[mid] <= ts) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        private int[] iterationEnds() {
            List<Double> starts = new ArrayList<>(events.stepStarts);
            starts.sort(Double::compare);
            List<Integer> ends = new ArrayList<>();
            for (int s = 1; s < starts.size(); s++) {
                int boundary = firstLaunchedFrom(starts.get(s));
                if (boundary > 0 && (ends.isEmpty() || boundary > ends.get(ends.size() - 1))) {
                    ends.add(boundary);
                }
            }
            ends.add(opCount);
            if (starts.isEmpty()) {
                assumptions.add("no ProfilerStep#N spans: one iteration");
            } else {
                assumptions.add(String.format(Locale.ROOT, "iterations cut at the starts of %d ProfilerStep#N spans "
                        + "(the first op launched at or after each): %d iteration(s)", starts.size(), ends.size()));
            }
            return ends.stream().mapToInt(Integer::intValue).toArray();
        }

        /**
         * Maps the [memory] events of the planned device type to tensors: the events in time
         * order with the cpu_ops around them, allocations paired with their frees
         * ({@link AllocationPairs}), a tensor per allocation with the ops that use it, and what
         * the report says of them.
         */
        private Allocations mapAllocations(List<CpuOp> cpuOps, Recorder recorder, int[] iterationStartOfOp) {
            Allocations result = new Allocations(opCount);
            MemoryEvents memory = memoryEvents(cpuOps);
            AllocationPairs pairs = AllocationPairs.of(memory.events(), plannedType);
            result.read = pairs.read;
            int persistentCount = registerTensors(memory, pairs.freeOf, recorder, iterationStartOfOp, result);
            result.bytesDropped = ImportLimits.saturatedAdd(pairs.cpuBytes, pairs.otherBytes);
            if (events.memory.isEmpty()) {
                assumptions.add("no [memory] events (not recorded with profile_memory=True): ops only, no tensors");
                return result;
            }
            reportAllocations(pairs, result.kept, persistentCount);
            return result;
        }

        /** The [memory] events in time order, each with the top-level cpu_op around it on its thread. */
        private MemoryEvents memoryEvents(List<CpuOp> cpuOps) {
            List<Memory> memory = new ArrayList<>(events.memory);
            memory.sort((a, b) -> Double.compare(a.ts(), b.ts()));
            int n = memory.size();
            double[] ts = new double[n];
            int[] threads = new int[n];
            for (int i = 0; i < n; i++) {
                ts[i] = memory.get(i).ts();
                threads[i] = memory.get(i).thread();
            }
            int[] inner = new int[n];
            int[] group = new int[n];
            enclosing(cpuOps, ts, threads, inner, group);
            return new MemoryEvents(memory, ts, group);
        }

        /**
         * Registers a tensor for each allocation of the planned device type, with the ops that
         * allocate, use and free it, into {@code result}; returns how many are persistent.
         */
        private int registerTensors(MemoryEvents memory, int[] freeOf, Recorder recorder, int[] iterationStartOfOp,
                                    Allocations result) {
            double[] ts = memory.ts();
            int[] group = memory.group();
            double firstLaunch = opCount == 0 ? Double.POSITIVE_INFINITY : suffixMinLaunch[0];
            int[] outputsOfOp = new int[opCount];
            int persistentCount = 0;
            for (int i = 0; i < memory.events().size(); i++) {
                Memory m = memory.events().get(i);
                if (m.deviceType() != plannedType || m.bytes() <= 0) {
                    continue;
                }
                int free = freeOf[i];
                int allocOp = allocatingOp(ts[i], group[i]);
                int freeOp = free < 0 ? -1 : Math.max(allocOp, freeingOp(ts[free], group[free]));
                boolean persistent = free < 0 && ts[i] < firstLaunch;
                int tensor;
                if (persistent) {
                    tensor = recorder.registerTensor(String.format(Locale.ROOT, "alloc@0x%x", m.addr()), m.bytes(),
                            TensorKind.OTHER, true, true, device(m));
                    persistentCount++;
                    result.use(allocOp, tensor);
                } else {
                    String key = "op" + (allocOp - iterationStartOfOp[allocOp]) + ".out" + outputsOfOp[allocOp]++;
                    TensorKind kind = allocOp == freeOp ? TensorKind.WORKSPACE : TensorKind.ACTIVATION;
                    tensor = recorder.registerTensor(key, m.bytes(), kind, false, true, device(m));
                    result.alloc(allocOp, tensor);
                    result.use(allocOp, tensor);
                    // the ops of the allocation's top-level cpu_op launched after it
                    useGroupOps(result, tensor, group[i], allocOp, freeOp < 0 ? opCount - 1 : freeOp, ts[i], true);
                    if (freeOp >= 0) {
                        result.free(freeOp, tensor);
                        result.use(freeOp, tensor);
                        // the ops of the free's top-level cpu_op launched before it
                        useGroupOps(result, tensor, group[free], allocOp, freeOp, ts[free], false);
                    }
                }
                result.kept++;
                result.bytesKept = ImportLimits.addBytes(name, result.bytesKept, m.bytes(),
                        String.format(Locale.ROOT, "the allocation at ts %.3f us", ts[i]));
            }
            return persistentCount;
        }

        /**
         * Notes a use of {@code tensor} by each op of the top-level cpu_op {@code group} (none for
         * -1) in {@code firstOp..lastOp} launched at or after {@code ts} ({@code after}), or at or
         * before it.
         */
        private void useGroupOps(Allocations result, int tensor, int group, int firstOp, int lastOp, double ts,
                                 boolean after) {
            int[] ops = group >= 0 ? groupOps.get(group) : null;
            if (ops == null) {
                return;
            }
            for (int op : ops) {
                if (op >= firstOp && op <= lastOp && (after ? launchTs[op] >= ts : launchTs[op] <= ts)) {
                    result.use(op, tensor);
                }
            }
        }

        /**
         * What the report says of the allocations: those dropped, and the rules that made the
         * tensors; refuses a trace whose allocations are all on the CPU when the device's are planned.
         */
        private void reportAllocations(AllocationPairs pairs, long kept, int persistentCount) {
            if (kept == 0 && pairs.cpuCount > 0 && plannedType == DEVICE_TYPE_CUDA && requireMemoryEvents) {
                throw new TeraioException(String.format(Locale.ROOT, "%s: every allocation of the trace is on the CPU"
                        + " (%,d allocations, %s), so there is no device memory to plan; to plan the CPU's memory as"
                        + " the device's, import it with --device cpu", name, pairs.cpuCount,
                        Units.formatBytes(pairs.cpuBytes)));
            }
            if (plannedType == DEVICE_TYPE_CPU) {
                assumptions.add("--device cpu: the CPU's allocations (Device Type 0) are planned as device 0's");
            } else {
                dropped.add(String.format(Locale.ROOT, "%,d CPU allocations (Device Type 0), %,d bytes", pairs.cpuCount,
                        pairs.cpuBytes));
            }
            if (pairs.otherCount > 0) {
                dropped.add(String.format(Locale.ROOT, "%,d allocations on other device types, %,d bytes",
                        pairs.otherCount, pairs.otherBytes));
            }
            String planned = plannedType == DEVICE_TYPE_CPU ? "CPU (Device Type 0)" : "CUDA (Device Type 1)";
            dropped.add(String.format(Locale.ROOT, "%,d %s frees of unknown addresses (allocated before the trace "
                    + "started), %,d bytes", pairs.unknownFrees, planned.substring(0, planned.indexOf(' ')),
                    pairs.unknownFreeBytes));
            assumptions.add(String.format(Locale.ROOT, "tensors: one per " + planned + " [memory] allocation; a "
                    + "negative Bytes frees the most recent live allocation at its Addr; %,d allocated before the first "
                    + "op's launch and never freed are persistent, kind other; freed by their allocating op: workspace; "
                    + "the rest: activation", persistentCount));
            assumptions.add("allocating op: the first op of the allocation's top-level cpu_op launched at or after it, "
                    + "else that cpu_op's last op, else the first op launched at or after it, else the last op; "
                    + "freeing op: the last op of the free's top-level cpu_op launched at or before it, else the last "
                    + "op launched at or before it, else op 0, never before the allocating op");
            assumptions.add("uses: the allocating and freeing ops, the ops of the allocation's top-level cpu_op "
                    + "launched after it and of the free's top-level cpu_op launched before it");
            if (pairs.maxTotalAllocated >= 0) {
                assumptions.add(String.format(Locale.ROOT, "max Total Allocated on CUDA: %,d bytes "
                        + "(includes allocations made before the trace started)", pairs.maxTotalAllocated));
            }
        }

        /** The device a planned allocation's tensor is on: its Device Id, 0 for the CPU planned as the device. */
        private int device(Memory m) {
            return plannedType == DEVICE_TYPE_CPU ? 0 : m.deviceId();
        }

        private int allocatingOp(double ts, int group) {
            int[] ops = group >= 0 ? groupOps.get(group) : null;
            if (ops != null) {
                for (int op : ops) {
                    if (launchTs[op] >= ts) {
                        return op;
                    }
                }
                return ops[ops.length - 1];
            }
            int op = firstLaunchedFrom(ts);
            return op >= 0 ? op : opCount - 1;
        }

        private int freeingOp(double ts, int group) {
            int[] ops = group >= 0 ? groupOps.get(group) : null;
            if (ops != null) {
                for (int i = ops.length - 1; i >= 0; i--) {
                    if (launchTs[ops[i]] <= ts) {
                        return ops[i];
                    }
                }
            }
            int op = lastLaunchedBy(ts);
            return Math.max(op, 0);
        }
    }

    /** The [memory] events in time order, their times, and the top-level cpu_op around each (-1 for none). */
    private record MemoryEvents(List<Memory> events, double[] ts, int[] group) {
    }

    /**
     * The allocations of the planned device type paired with their frees (a negative Bytes
     * frees the most recent live allocation at its Addr), and the counts of what is not planned.
     */
    private static final class AllocationPairs {
        /** Per event, the index of the event that frees it (-1: never freed, or not an allocation). */
        final int[] freeOf;
        /** The allocations read, of every device type. */
        long read;
        long cpuCount;
        long cpuBytes;
        long otherCount;
        long otherBytes;
        long unknownFrees;
        long unknownFreeBytes;
        /** The largest Total Allocated of the planned device type, -1 for none. */
        long maxTotalAllocated = -1;

        private AllocationPairs(int events) {
            freeOf = new int[events];
            Arrays.fill(freeOf, -1);
        }

        static AllocationPairs of(List<Memory> memory, int plannedType) {
            AllocationPairs pairs = new AllocationPairs(memory.size());
            Map<Long, Integer> live = new HashMap<>();
            int[] previousLive = new int[memory.size()];
            for (int i = 0; i < memory.size(); i++) {
                Memory m = memory.get(i);
                if (m.bytes() > 0) {
                    pairs.read++;
                }
                if (m.deviceType() != plannedType) {
                    pairs.countNotPlanned(m);
                    continue;
                }
                pairs.maxTotalAllocated = Math.max(pairs.maxTotalAllocated, m.totalAllocated());
                if (m.bytes() > 0) {
                    Integer previous = live.put(m.addr(), i);
                    previousLive[i] = previous == null ? -1 : previous;
                } else if (m.bytes() < 0) {
                    Integer allocation = live.get(m.addr());
                    if (allocation == null) {
                        pairs.unknownFrees++;
                        pairs.unknownFreeBytes = ImportLimits.saturatedAdd(pairs.unknownFreeBytes, -m.bytes());
                    } else {
                        pairs.freeOf[allocation] = i;
                        if (previousLive[allocation] >= 0) {
                            live.put(m.addr(), previousLive[allocation]);
                        } else {
                            live.remove(m.addr());
                        }
                    }
                }
            }
            return pairs;
        }

        /** Counts an allocation on another device type than the planned one: the CPU's, or another's. */
        private void countNotPlanned(Memory m) {
            if (m.bytes() <= 0) {
                return;
            }
            if (m.deviceType() == DEVICE_TYPE_CPU) {
                cpuCount++;
                cpuBytes = ImportLimits.saturatedAdd(cpuBytes, m.bytes());
            } else {
                otherCount++;
                otherBytes = ImportLimits.saturatedAdd(otherBytes, m.bytes());
            }
        }
    }

    /** The cpu_op indices sorted by thread, start, longest first. */
    private static Integer[] sortedCpuOps(List<CpuOp> cpuOps) {
        Integer[] order = new Integer[cpuOps.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            CpuOp x = cpuOps.get(a);
            CpuOp y = cpuOps.get(b);
            int c = Integer.compare(x.thread(), y.thread());
            if (c != 0) {
                return c;
            }
            c = Double.compare(x.ts(), y.ts());
            return c != 0 ? c : Double.compare(y.end(), x.end());
        });
        return order;
    }

    /**
     * For each query (a time on a thread), the innermost and the outermost cpu_op on that
     * thread whose span contains the time, or -1.
     */
    static void enclosing(List<CpuOp> cpuOps, double[] ts, int[] threads, int[] inner, int[] outer) {
        Integer[] ops = sortedCpuOps(cpuOps);
        Integer[] queries = new Integer[ts.length];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = i;
        }
        Arrays.sort(queries, (a, b) -> {
            int c = Integer.compare(threads[a], threads[b]);
            return c != 0 ? c : Double.compare(ts[a], ts[b]);
        });
        int[] stack = new int[16];
        int depth = 0;
        int next = 0;
        int thread = Integer.MIN_VALUE;
        for (int q : queries) {
            if (threads[q] != thread) {
                thread = threads[q];
                depth = 0;
                while (next < ops.length && cpuOps.get(ops[next]).thread() < thread) {
                    next++;
                }
            }
            while (next < ops.length && cpuOps.get(ops[next]).thread() == thread
                    && cpuOps.get(ops[next]).ts() <= ts[q]) {
                CpuOp op = cpuOps.get(ops[next]);
                while (depth > 0 && cpuOps.get(stack[depth - 1]).end() < op.ts()) {
                    depth--;
                }
                if (depth == stack.length) {
                    stack = Arrays.copyOf(stack, 2 * depth);
                }
                stack[depth++] = ops[next++];
            }
            while (depth > 0 && cpuOps.get(stack[depth - 1]).end() < ts[q]) {
                depth--;
            }
            inner[q] = depth > 0 ? stack[depth - 1] : -1;
            outer[q] = depth > 0 ? stack[0] : -1;
        }
    }

    /** Per-op uses, allocs and frees as (op, tensor) pairs, and the allocation counts. */
    private static final class Allocations {
        long read;
        long kept;
        long bytesKept;
        long bytesDropped;
        private final PairList uses;
        private final PairList allocs = new PairList();
        private final PairList frees = new PairList();
        private int[][] usesByOp;
        private int[][] allocsByOp;
        private int[][] freesByOp;
        private final int opCount;

        Allocations(int opCount) {
            this.opCount = opCount;
            this.uses = new PairList();
        }

        void use(int op, int tensor) {
            uses.add(op, tensor);
        }

        void alloc(int op, int tensor) {
            allocs.add(op, tensor);
        }

        void free(int op, int tensor) {
            frees.add(op, tensor);
        }

        int[] uses(int op) {
            if (usesByOp == null) {
                usesByOp = uses.byOp(opCount, true);
                allocsByOp = allocs.byOp(opCount, false);
                freesByOp = frees.byOp(opCount, false);
            }
            return usesByOp[op];
        }

        int[] allocs(int op) {
            return allocsByOp[op];
        }

        int[] frees(int op) {
            return freesByOp[op];
        }
    }

    /** A growable list of (op, tensor) pairs. */
    private static final class PairList {
        private int[] ops = new int[256];
        private int[] tensors = new int[256];
        private int size;

        void add(int op, int tensor) {
            if (size == ops.length) {
                ops = Arrays.copyOf(ops, 2 * size);
                tensors = Arrays.copyOf(tensors, 2 * size);
            }
            ops[size] = op;
            tensors[size] = tensor;
            size++;
        }

        /** The tensors of each op, sorted and without duplicates when {@code distinct}. */
        int[][] byOp(int opCount, boolean distinct) {
            int[] counts = new int[opCount];
            for (int i = 0; i < size; i++) {
                counts[ops[i]]++;
            }
            int[][] result = new int[opCount][];
            for (int op = 0; op < opCount; op++) {
                result[op] = new int[counts[op]];
            }
            int[] fill = new int[opCount];
            for (int i = 0; i < size; i++) {
                result[ops[i]][fill[ops[i]]++] = tensors[i];
            }
            if (distinct) {
                for (int op = 0; op < opCount; op++) {
                    int[] list = result[op];
                    if (list.length > 1) {
                        Arrays.sort(list);
                        int k = 1;
                        for (int i = 1; i < list.length; i++) {
                            if (list[i] != list[k - 1]) {
                                list[k++] = list[i];
                            }
                        }
                        result[op] = k == list.length ? list : Arrays.copyOf(list, k);
                    }
                }
            }
            return result;
        }
    }
}
