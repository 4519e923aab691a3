package io.teraio.agent.internal;

import io.teraio.agent.AgentMode;
import io.teraio.agent.AgentOptions;
import io.teraio.core.ProcessMemory;
import io.teraio.core.session.AgentStats;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.engine.MemoryRule;
import io.teraio.core.engine.PlanRuntime;
import io.teraio.core.engine.ProfiledOps;
import io.teraio.core.engine.RuntimeStats;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.NativeHeap;
import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.core.trace.TraceWriter;
import io.teraio.planner.Workload;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent at work inside the training job: it tracks every array (bytes, resident or not),
 * counts ops within the iteration, records the profiled iterations through a {@link Recorder},
 * plans in process (auto mode) and has a {@link PlanRuntime} apply the plan through a
 * {@link MigrationEngine}: the agent maps optimizer state arrays to the plan's keys, reports
 * op boundaries and iteration ends, and supplies its memory rule (tracked arrays, and the
 * native tensors the engine holds, under {@code deviceMemory}). An array planned out is
 * offloaded in place: its native tensor is taken out of it and the engine writes the tensor's
 * own bytes out, then deletes it; the prefetch reads them back into a new native tensor of the
 * same shape, which the array's next {@code getHandle} puts into the same Java object.
 *
 * <p>Every hook runs under this object's monitor (DJL trains on one thread; the lock is
 * uncontended). Nothing here throws into training except a read of offloaded bytes that fails
 * after the engine's retries: then the array cannot be restored, and training must stop.
 */
public final class AgentRuntime implements Dispatch.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);
    private static final int OP_IGNORED = -1;
    private static final int OP_NESTED = 0;
    private static final int OP_OUTER = 1;

    /** What the agent knows of one live array. */
    private static final class Tracked {
        final long bytes;
        int traceId = -1;
        boolean persistent;
        boolean resident = true;

        Tracked(long bytes) {
            this.bytes = bytes;
        }
    }

    private final AgentOptions options;
    private final String version;
    private final Function<TeraioConfig, MigrationEngine> engines;
    private final IdentityHashMap<Object, Tracked> arrays = new IdentityHashMap<>();
    private final IdentityHashMap<Object, String> offloaded = new IdentityHashMap<>();

    private long residentBytes;
    /**
     * Bytes of native tensors taken out of their arrays for offloads not yet confirmed: in
     * memory until the engine closes their {@link TensorBuffer}s, on an I/O thread, once the
     * write is confirmed. While any are, writes in flight will free memory.
     */
    private final AtomicLong writingBytes = new AtomicLong();
    /** Bytes of native tensors made for prefetches (and misses) to read into, until their arrays take them. */
    private final AtomicLong landingBytes = new AtomicLong();
    /** Trims glibc's heaps after each iteration the plan applies to ({@code trim}); null when off. */
    private ExecutorService trimmer;
    private final AtomicBoolean trimming = new AtomicBoolean();
    private final AtomicReference<String> trimRefused = new AtomicReference<>();
    private long peakResidentBytes;
    private long unconstrainedPeakBytes;
    private boolean profileWindow;
    private boolean applyWindow;

    private long iteration;
    private int opInIteration;
    private int depth;
    private boolean internal;
    /** The hooks' events this runtime needs now (read by {@link Dispatch} on every hook). */
    private volatile Dispatch.Events events = Dispatch.Events.OPS;
    private final List<Object> opAllocs = new ArrayList<>();
    /** The arrays an op's arguments hold; reused from op to op (ops are counted at depth 0 only). */
    private final List<Object> opUses = new ArrayList<>();
    /** Allocation-site keys by op and slot, built once. */
    private String[][] siteKeys = new String[0][];
    private int recorderOp = -1;
    private int currentOp = -1;
    private String currentOpName;

    private Recorder recorder;
    private int profiledIterations;

    private Plan plan;
    private int planOps;
    /** The op sequence the plan applies to: the profiled iteration's, or the watched one's (offload mode). */
    private ProfiledOps profiled;
    private MigrationEngine engine;
    /** Applies the plan; null until it applies (and with an empty plan, which needs no engine). */
    private PlanRuntime runtime;
    private Map<String, Object> stateArrays = Map.of();
    /** The plan's entries as this run applies them (offload mode: moved to this run's op order). */
    private List<PlanEntry> entries = List.of();
    /** Offload mode: each planned key's first use in the profiled iteration; null without the trace. */
    private Map<String, Integer> profiledFirstUse;
    /** Offload mode: the iteration after warm-up is watched to learn this run's op order. */
    private boolean observing;
    private IdentityHashMap<Object, String> observedKeys;
    private Map<String, Integer> liveFirstUse;
    private List<String> liveNames;
    private List<Long> liveAllocBytes;
    private boolean applying;
    private long predictedPeakBytes;
    private long predictedUnconstrainedBytes;
    private String error;
    /** What the torch bridge check found ({@code available: ...}, {@code unavailable: ...}), or null before it. */
    private String torchBridge;
    private boolean closed;
    private AgentStats finalStats;

    /** @param version the agent's version, for the trace's {@code source.tool} */
    public AgentRuntime(AgentOptions options, String version) {
        this(options, version, AgentRuntime::openEngine);
    }

    /**
     * The engine for the agent. Its device memory holds none of the agent's tensors (they come
     * back into tensors of the agent's, {@link #landing}), only the in-process probe's buffer for
     * a moment: without an arena, whose touched pages would stay in the process for good.
     */
    private static MigrationEngine openEngine(TeraioConfig config) {
        return config.memory().equals("host")
                ? MigrationEngine.open(config, HostDeviceMemory.withoutArena(config.deviceMemoryBytes()))
                : MigrationEngine.open(config);
    }

    /** For tests: {@code engines} opens the engine for the configuration (to inject slow storage, say). */
    AgentRuntime(AgentOptions options, String version, Function<TeraioConfig, MigrationEngine> engines) {
        this.options = options;
        this.version = version;
        this.engines = engines;
        if (options.mode() != AgentMode.PROFILE && options.mmapThresholdBytes() > 0) {
            String refused = NativeHeap.setMmapThreshold(options.mmapThresholdBytes());
            if (refused == null) {
                LOG.info("teraio-agent: glibc's mmap threshold is {}: the memory of freed tensors leaves the process",
                        Units.formatBytes(options.mmapThresholdBytes()));
            } else {
                LOG.warn("teraio-agent: could not set the mmap threshold ({}); freed tensors may stay in the"
                        + " process's heap", refused);
            }
        }
        if (options.mode() == AgentMode.OFFLOAD) {
            plan = Plan.read(options.plan());
            planOps = plan.opsPerIteration();
            profiledFirstUse = profiledFirstUses(plan);
        }
    }

    // ---- hooks -------------------------------------------------------------------------

    @Override
    public Dispatch.Events events() {
        return events;
    }

    /**
     * Asks the hooks for {@code wanted} from now on: op arguments only while profiling or
     * watching an iteration, nothing but iteration ends once idle.
     */
    private void want(Dispatch.Events wanted) {
        if (events != wanted) {
            events = wanted;
            Dispatch.eventsChanged();
        }
    }

    /** Stops watching arrays and ops for good: the hooks then cost next to nothing. */
    private void goIdle() {
        arrays.clear();
        want(Dispatch.Events.STEPS);
    }

    /** Whether {@link #goIdle} ran: only iteration ends (and offloaded arrays' accesses) matter now. */
    private boolean idle() {
        return events == Dispatch.Events.STEPS;
    }

    @Override
    public synchronized void arrayCreated(Object array) {
        if (internal || idle()) {
            return;
        }
        try {
            Tracked t = track(array);
            if (depth > 0) {
                opAllocs.add(array);
                return;
            }
            // created outside any JniUtils op: a "create" op of its own
            int k = opInIteration++;
            beforeOp(k, "create");
            if (observing) {
                liveNames.add("create");
                liveAllocBytes.add(t.bytes);
            }
            if (recorder != null) {
                int[] allocs = null;
                if (t.bytes > 0) {
                    t.traceId = recorder.registerTensor(siteKey(k, 0), t.bytes, TensorKind.OTHER, false, false);
                    allocs = new int[] {t.traceId};
                }
                recorder.recordOp("create", 0, null, allocs, null);
            }
            updatePeak();
        } catch (RuntimeException e) {
            stopApplying("tracking a new array", e);
        }
    }

    @Override
    public synchronized void arrayClosing(Object array) {
        if (internal) {
            return;
        }
        Tracked t = arrays.remove(array);
        if (t == null) {
            return;
        }
        if (t.resident) {
            residentBytes -= t.bytes;
        }
        try {
            String key = offloaded.isEmpty() ? null : offloaded.remove(array);
            if (key != null && engine != null && engine.state(key) != null) {
                engine.free(key);
            }
            if (recorder != null && t.traceId >= 0 && !t.persistent && recorder.opCount() > 0) {
                recorder.free(t.traceId);
            }
        } catch (RuntimeException e) {
            stopApplying("freeing a closed array", e);
        }
    }

    @Override
    public synchronized void handleMissing(Object resource) {
        String key = offloaded.get(resource);
        if (key != null) {
            restore(resource, key);
        }
    }

    @Override
    public synchronized boolean isOffloaded(Object resource) {
        return offloaded.containsKey(resource);
    }

    @Override
    public synchronized int opEnter(String name, Object[] args) {
        if (internal || idle()) {
            return OP_IGNORED;
        }
        if (depth++ > 0) {
            return OP_NESTED;
        }
        int k = opInIteration++;
        currentOp = k;
        currentOpName = name;
        opAllocs.clear();
        List<Object> used = observing || recorder != null ? arraysOf(args) : List.of();
        if (observing) {
            observe(name, used, k);
        }
        try {
            beforeOp(k, name);
        } catch (RuntimeException e) {
            stopApplying("applying the plan before op " + k + " (" + name + ")", e);
        }
        if (recorder != null) {
            try {
                recorderOp = recorder.beginOp(name, uses(used, k));
            } catch (RuntimeException e) {
                stopApplying("recording op " + k + " (" + name + ")", e);
            }
        }
        opUses.clear(); // holds no array past its op
        return OP_OUTER;
    }

    @Override
    public synchronized void opExit(int token) {
        depth--;
        if (token != OP_OUTER) {
            return;
        }
        if (recorder != null && recorderOp >= 0) {
            try {
                int[] ids = new int[opAllocs.size()];
                int n = 0;
                for (int j = 0; j < opAllocs.size(); j++) {
                    Tracked t = arrays.get(opAllocs.get(j));
                    if (t != null && t.bytes > 0 && t.traceId < 0) {
                        t.traceId = recorder.registerTensor(siteKey(currentOp, j), t.bytes, allocKind(), false,
                                false);
                        ids[n++] = t.traceId;
                    }
                }
                recorder.endOp(recorderOp, n == ids.length ? ids : Arrays.copyOf(ids, n));
            } catch (RuntimeException e) {
                stopApplying("recording op " + currentOp + " (" + currentOpName + ")", e);
            }
            recorderOp = -1;
        }
        if (observing) {
            long bytes = 0;
            for (Object a : opAllocs) {
                Tracked t = arrays.get(a);
                bytes += t == null ? 0 : t.bytes;
            }
            liveAllocBytes.add(bytes);
        }
        opAllocs.clear();
        updatePeak();
    }

    @Override
    public synchronized void stepDone(Object trainer) {
        if (internal) {
            return;
        }
        if (applying && runtime != null) {
            runtime.endIteration(opInIteration);
            trimHeap();
        }
        if (iteration == 0 && options.torchBridge()) {
            checkTorchBridge(trainer);
        }
        iteration++;
        opInIteration = 0;
        try {
            if (recorder != null) {
                recorder.endIteration();
                profiledIterations++;
                if (profiledIterations == options.profileIterations()) {
                    finishProfile(trainer);
                }
            } else if (observing) {
                finishObserving(trainer);
            } else if (iteration == options.warmupIterations()) {
                if (options.mode() == AgentMode.OFFLOAD) {
                    startObserving(trainer);
                } else if (!idle()) {
                    startProfile(trainer);
                }
            }
        } catch (RuntimeException e) {
            stopApplying("after iteration " + (iteration - 1), e);
        }
    }

    /**
     * Loads the PyTorch bridge and runs its self-check, once, after the first step (DJL's
     * PyTorch engine is loaded then, and no gradient is being collected), and says what it
     * found. The bridge moves nothing yet: optimizer state is all the agent offloads either way.
     */
    private void checkTorchBridge(Object trainer) {
        internal = true;
        Availability bridge;
        try {
            bridge = DjlArrays.torchBridge(trainer);
        } catch (RuntimeException | LinkageError e) {
            bridge = Availability.no("checking it threw " + e);
        } finally {
            internal = false;
        }
        if (bridge.available()) {
            torchBridge = "available: " + bridge.reason();
            LOG.info("teraio-agent: torch bridge available ({}); not used yet: the agent offloads optimizer state",
                    bridge.reason());
        } else {
            torchBridge = "unavailable: " + bridge.reason();
            LOG.warn("teraio-agent: torch bridge unavailable, optimizer state only: {}", bridge.reason());
        }
    }

    // ---- profile -----------------------------------------------------------------------

    private void startProfile(Object trainer) {
        internal = true;
        try {
            recorder = new Recorder(DjlArrays.source(trainer, version));
            register(DjlArrays.parameters(trainer), TensorKind.PARAMETER, false);
            register(DjlArrays.optimizerStates(trainer), TensorKind.OPTIMIZER_STATE, true);
        } finally {
            internal = false;
        }
        profileWindow = true;
        want(Dispatch.Events.OPS_WITH_ARGUMENTS);
        unconstrainedPeakBytes = residentBytes;
        if (options.mode() == AgentMode.PROFILE) {
            peakResidentBytes = residentBytes;
        }
        LOG.info("teraio-agent: profiling iterations {} to {}", iteration,
                iteration + options.profileIterations() - 1);
    }

    private void register(Map<String, Object> named, TensorKind kind, boolean offloadable) {
        for (Map.Entry<String, Object> e : named.entrySet()) {
            Tracked t = arrays.get(e.getValue());
            if (t == null) {
                t = track(e.getValue());
            }
            if (t.bytes > 0 && t.traceId < 0) {
                t.traceId = recorder.registerTensor(e.getKey(), t.bytes, kind, true, offloadable);
                t.persistent = true;
            }
        }
    }

    private void finishProfile(Object trainer) {
        Trace trace = recorder.toTrace();
        recorder = null;
        profileWindow = false;
        TraceWriter.write(trace, options.trace());
        LOG.info("teraio-agent: wrote {} ({} iterations, {} ops, {} tensors)", options.trace(),
                trace.iterations().size(), trace.ops().size(), trace.tensors().size());
        if (options.mode() == AgentMode.PROFILE) {
            goIdle();
            return;
        }
        want(Dispatch.Events.OPS);
        Workload workload = Workload.of(trace);
        planOps = workload.opCount();
        profiled = ProfiledOps.of(trace);
        long outside = bytesOutsideIteration(trace, workload);
        engine = engines.apply(options.config());
        PlanMaker.MadePlan planned;
        try {
            planned = InProcessPlanner.plan(trace, options, engine, outside);
        } catch (TeraioException e) {
            // no plan fits: training goes on unchanged, and the stats say why
            error = "planning: " + e.getMessage();
            LOG.warn("teraio-agent: no plan: {}; training goes on without offloading", e.getMessage());
            applyWindow = true;
            peakResidentBytes = residentBytes;
            return;
        }
        plan = planned.plan();
        entries = plan.entries();
        predictedPeakBytes = planned.predictedPeakBytes();
        predictedUnconstrainedBytes = planned.predictedUnconstrainedBytes();
        startApplying(trainer);
    }

    /**
     * Bytes of live arrays the planned iteration does not touch (created before profiling and
     * never used since, or used only in an earlier profiled iteration): they hold their share of
     * the device memory all along, so the plan gets the rest.
     */
    private long bytesOutsideIteration(Trace trace, Workload workload) {
        long bytes = 0;
        for (Tracked t : arrays.values()) {
            if (t.traceId < 0 || !workload.inIteration(trace.slotOf(t.traceId))) {
                bytes += t.bytes;
            }
        }
        return bytes;
    }

    // ---- offload -----------------------------------------------------------------------

    /** Offload mode: watch the next iteration for this run's op order, names and allocations. */
    private void startObserving(Object trainer) {
        internal = true;
        try {
            stateArrays = DjlArrays.optimizerStates(trainer);
        } finally {
            internal = false;
        }
        observedKeys = new IdentityHashMap<>();
        stateArrays.forEach((key, array) -> observedKeys.put(array, key));
        liveFirstUse = new HashMap<>();
        liveNames = new ArrayList<>();
        liveAllocBytes = new ArrayList<>();
        observing = true;
        want(Dispatch.Events.OPS_WITH_ARGUMENTS);
    }

    private void observe(String name, List<Object> used, int k) {
        liveNames.add(name);
        for (Object a : used) {
            String key = observedKeys.get(a);
            if (key != null) {
                liveFirstUse.putIfAbsent(key, k);
            }
        }
    }

    /**
     * The watched iteration ended: its op names become the sequence later iterations are
     * checked against, and each entry moves with its tensor's first use from the profiled
     * iteration to this run's (DJL's ParameterStore updates parameters in an order that
     * changes from run to run, so the optimizer's ops for one parameter sit elsewhere).
     */
    private void finishObserving(Object trainer) {
        observing = false;
        want(Dispatch.Events.OPS);
        int n = liveNames.size();
        if (n != planOps) {
            LOG.warn("teraio-agent: the iteration after warm-up has {} ops, the plan's {}; the plan applies as"
                    + " made and the divergences will show whether it is this job's", n, planOps);
            entries = plan.entries();
            profiled = ProfiledOps.count(planOps);
        } else {
            profiled = new ProfiledOps(n, liveNames, liveAllocBytes.stream().mapToLong(Long::longValue).toArray());
            entries = PlanShift.follow(plan.entries(), profiledFirstUse, liveFirstUse, n);
            long moved = entries.stream().filter(e -> !plan.entries().contains(e)).count();
            if (moved > 0) {
                LOG.info("teraio-agent: {} of {} plan entries moved to this run's op order", moved, entries.size());
            }
        }
        observedKeys = null;
        liveFirstUse = null;
        liveNames = null;
        liveAllocBytes = null;
        startApplying(trainer);
    }

    private void startApplying(Object trainer) {
        if (engine == null && !entries.isEmpty()) {
            engine = engines.apply(options.config());
        }
        internal = true;
        try {
            stateArrays = DjlArrays.optimizerStates(trainer);
        } finally {
            internal = false;
        }
        if (engine != null) {
            runtime = new PlanRuntime(engine, entries, profiled, MemoryRule.budget(options.config().deviceMemoryBytes(),
                    this::heldBytes, this::offloadsInFlight), this::stage);
            runtime.startState(kept -> {
                stage(kept.key());
                return engine.state(kept.key()) != null;
            });
        }
        if (options.trimHeap() && engine != null) {
            trimmer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "teraio-trim");
                t.setDaemon(true);
                return t;
            });
        }
        applying = true;
        applyWindow = true;
        peakResidentBytes = heldBytes();
        long missing = entries.stream().map(PlanEntry::key).distinct().filter(k -> !stateArrays.containsKey(k))
                .count();
        LOG.info("teraio-agent: applying a plan of {} entries from iteration {} ({} optimizer state arrays found{})",
                entries.size(), iteration, stateArrays.size(),
                missing == 0 ? "" : "; " + missing + " planned keys not found, their entries are skipped");
    }

    /**
     * Whether an offload still holds its tensor: its memory goes when the write is confirmed
     * (counted until the engine closes the tensor's buffer, just after the tensor turns
     * OFFLOADED, so a prefetch that waits for it cannot find the memory still taken and nothing
     * in flight).
     */
    private boolean offloadsInFlight() {
        return writingBytes.get() > 0;
    }

    /**
     * The bytes in memory by the plan's accounting: resident arrays, tensors being written out,
     * tensors being read back, and the engine's own buffers (the probe's, while it runs).
     */
    private long heldBytes() {
        return residentBytes + writingBytes.get() + landingBytes.get()
                + (engine == null ? 0 : engine.memory().usedBytes());
    }

    /**
     * Takes a resident state array's native tensor out of it and registers it with the engine,
     * which writes the tensor's own bytes out through its few staging buffers and deletes it
     * once the write is confirmed (its bytes count as {@link #writingBytes} until then).
     */
    private void stage(String key) {
        Object array = stateArrays.get(key);
        Tracked t = array == null ? null : arrays.get(array);
        if (t == null || !t.resident || offloaded.containsKey(array) || engine.state(key) != null || t.bytes == 0) {
            return;
        }
        long bytes = t.bytes;
        TensorBuffer buffer;
        internal = true;
        try {
            buffer = DjlArrays.detach(array, () -> writingBytes.addAndGet(-bytes));
        } finally {
            internal = false;
        }
        if (buffer == null) {
            return; // no direct view of its bytes: it stays resident, the runtime skips its entries
        }
        writingBytes.addAndGet(bytes);
        try {
            engine.register(key, buffer, () -> landing(array, bytes));
        } catch (RuntimeException e) {
            DjlArrays.reattach(array, buffer.takeHandle());
            buffer.close();
            throw e;
        }
        offloaded.put(array, key);
        t.resident = false;
        residentBytes -= bytes;
    }

    /**
     * A new native tensor like {@code array}'s for its bytes to be read back into (a prefetch or
     * a miss, issued on the training thread); its bytes count as {@link #landingBytes} until
     * the array takes it.
     */
    private TensorBuffer landing(Object array, long bytes) {
        boolean was = internal;
        internal = true;
        try {
            TensorBuffer buffer = DjlArrays.emptyLike(array, () -> landingBytes.addAndGet(-bytes));
            landingBytes.addAndGet(bytes);
            return buffer;
        } finally {
            internal = was;
        }
    }

    /** Puts the bytes back into the array: waits for its prefetch or fetches it now (a miss). */
    private void restore(Object array, String key) {
        Tracked t = arrays.get(array);
        internal = true;
        try {
            // its own tensor (used again before its offload ended) or the one its bytes were read into
            TensorBuffer buffer = (TensorBuffer) runtime.acquire(key); // a miss waits for its bytes to fit
            DjlArrays.reattach(array, buffer.takeHandle());
            engine.free(key);
        } catch (RuntimeException e) {
            throw new TeraioException("teraio-agent: cannot restore offloaded array '" + key + "': " + e.getMessage(),
                    e);
        } finally {
            internal = false;
        }
        offloaded.remove(array);
        if (t != null) {
            t.resident = true;
            residentBytes += t.bytes;
            updatePeak();
        }
    }

    /**
     * Has glibc give back the free pages of its heaps, on the trimmer's thread (a trim still
     * running is not repeated). Offloads free tensors between tensors still in use, and what
     * malloc's heaps keep of them would stay in the process; the demo's ResNet-50 kept 10 to 30
     * MiB so (docs/agent-results.md).
     */
    private void trimHeap() {
        if (trimmer == null || !trimming.compareAndSet(false, true)) {
            return;
        }
        trimmer.execute(() -> {
            try {
                String refused = NativeHeap.trim();
                if (refused != null && trimRefused.compareAndSet(null, refused)) {
                    LOG.warn("teraio-agent: could not trim the C library's heaps ({}); freed tensors may stay in"
                            + " the process", refused);
                }
            } finally {
                trimming.set(false);
            }
        });
    }

    /** Reports op {@code k} to the runtime while the plan applies. */
    private void beforeOp(int k, String name) {
        if (applying && runtime != null) {
            runtime.beforeOp(k, name, List.of());
        }
    }

    private void stopApplying(String where, RuntimeException e) {
        if (error == null) {
            error = where + ": " + e.getMessage();
            LOG.warn("teraio-agent: stopped {}; training goes on without it", error, e);
        }
        applying = false;
        recorder = null;
        profileWindow = false;
        if (offloaded.isEmpty()) {
            goIdle();
        }
    }

    // ---- tracking ----------------------------------------------------------------------

    private Tracked track(Object array) {
        long bytes;
        internal = true;
        try {
            bytes = DjlArrays.bytes(array);
        } catch (RuntimeException e) {
            bytes = 0;
        } finally {
            internal = false;
        }
        Tracked t = new Tracked(bytes);
        arrays.put(array, t);
        residentBytes += bytes;
        return t;
    }

    /** The arrays an op's arguments hold, in {@link #opUses} (null arguments: none). */
    private List<Object> arraysOf(Object[] args) {
        List<Object> used = opUses;
        used.clear();
        if (args != null) {
            for (Object arg : args) {
                DjlArrays.collect(arg, used);
            }
        }
        return used;
    }

    private int[] uses(List<Object> used, int k) {
        int[] ids = new int[used.size()];
        int n = 0;
        for (int j = 0; j < used.size(); j++) {
            Object a = used.get(j);
            Tracked t = arrays.get(a);
            if (t == null) {
                t = track(a);
            }
            if (t.bytes == 0) {
                continue;
            }
            if (t.traceId < 0) {
                // alive before profiling began and not a parameter or optimizer state
                t.traceId = recorder.registerTensor("pre.op" + k + ".in" + j, t.bytes, TensorKind.OTHER, false, false);
            }
            ids[n++] = t.traceId;
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    private TensorKind allocKind() {
        return "getGradient".equals(currentOpName) ? TensorKind.GRADIENT : TensorKind.ACTIVATION;
    }

    private void updatePeak() {
        long now = heldBytes();
        if (profileWindow && now > unconstrainedPeakBytes) {
            unconstrainedPeakBytes = now;
        }
        if ((applyWindow || profileWindow && options.mode() == AgentMode.PROFILE) && now > peakResidentBytes) {
            peakResidentBytes = now;
        }
    }

    /**
     * The allocation-site key of an op's {@code slot}-th new array; built once per site, as every
     * profiled iteration repeats them.
     */
    private String siteKey(int op, int slot) {
        if (op >= siteKeys.length) {
            siteKeys = Arrays.copyOf(siteKeys, Math.max(op + 1, siteKeys.length * 2));
        }
        String[] slots = siteKeys[op];
        if (slots == null || slot >= slots.length) {
            slots = slots == null ? new String[Math.max(2, slot + 1)] : Arrays.copyOf(slots, Math.max(slot + 1,
                    slots.length * 2));
            siteKeys[op] = slots;
        }
        String key = slots[slot];
        if (key == null) {
            key = "op" + op + ".out" + slot;
            slots[slot] = key;
        }
        return key;
    }

    /**
     * Each planned key's first use in the iteration the plan was made for, from the trace at
     * {@code out} when it is the plan's; null without it.
     */
    private Map<String, Integer> profiledFirstUses(Plan p) {
        if (!Files.isRegularFile(options.trace())) {
            LOG.info("teraio-agent: no trace at {}; the plan's entries apply at the ops it names", options.trace());
            return null;
        }
        Trace trace = TraceReader.read(options.trace());
        Workload workload = Workload.of(trace);
        if (workload.opCount() != p.opsPerIteration()) {
            LOG.warn("teraio-agent: the trace {} has {} ops per iteration, the plan {}: not the plan's trace;"
                    + " the plan's entries apply at the ops it names", options.trace(), workload.opCount(),
                    p.opsPerIteration());
            return null;
        }
        Map<String, Integer> firstUse = new HashMap<>();
        for (PlanEntry e : p.entries()) {
            int slot = trace.slotOf(e.tensor());
            if (slot >= 0 && workload.inIteration(slot) && workload.useOps(slot).length > 0) {
                firstUse.putIfAbsent(e.key(), workload.useOps(slot)[0]);
            }
        }
        return firstUse;
    }

    // ---- exit --------------------------------------------------------------------------

    /** The stats as of now. */
    public synchronized AgentStats stats() {
        long offloadedBytes = 0;
        long prefetched = 0;
        long deviceUsed = -1;
        if (engine != null && !engine.isClosed()) {
            EngineStats s = engine.stats();
            offloadedBytes = s.bytesToSsd() + s.bytesToHost();
            prefetched = s.bytesFromSsd() + s.bytesFromHost();
            deviceUsed = engine.memory().deviceUsedBytes();
        }
        RuntimeStats r = runtime == null ? new RuntimeStats(0, 0, 0, 0, 0, 0) : runtime.stats();
        return new AgentStats(options.mode().argName(), iteration, profiledIterations,
                entries.size(), offloadedBytes, prefetched, r.stallNs(), r.misses(), r.divergences(),
                peakResidentBytes, unconstrainedPeakBytes, options.config().deviceMemoryBytes(), predictedPeakBytes,
                predictedUnconstrainedBytes, ProcessMemory.peakRssBytesNow(), deviceUsed, torchBridge, error);
    }

    /** Records a failure that stopped the agent (for the stats). */
    public synchronized void failed(String what) {
        if (error == null) {
            error = what;
        }
    }

    /**
     * At exit: writes what the profile has if it did not finish, and the stats; closes the
     * engine. Returns the final stats. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (recorder != null && recorder.iterationCount() > 0) {
            LOG.warn("teraio-agent: training ended after {} of {} profiled iterations; writing what was recorded",
                    recorder.iterationCount(), options.profileIterations());
            try {
                TraceWriter.write(recorder.toTrace(), options.trace());
            } catch (RuntimeException e) {
                failed("writing the partial trace: " + e.getMessage());
            }
        } else if (recorder == null && options.mode() != AgentMode.OFFLOAD && profiledIterations == 0) {
            LOG.warn("teraio-agent: training ended after {} iterations, before profiling began (warmup={})",
                    iteration, options.warmupIterations());
        }
        Dispatch.install(null);
        if (trimmer != null) {
            trimmer.shutdown();
        }
        finalStats = stats();
        if (engine != null) {
            try {
                engine.close();
            } catch (RuntimeException e) {
                LOG.warn("teraio-agent: closing the engine: {}", e.getMessage());
            }
        }
        LOG.debug("teraio-agent: {} arrays tracked at exit, {} resident", arrays.size(),
                Units.formatBytes(residentBytes));
    }

    /** The stats taken by {@link #close()}, or the current ones before it. */
    public synchronized AgentStats finalStats() {
        return finalStats != null ? finalStats : stats();
    }
}
