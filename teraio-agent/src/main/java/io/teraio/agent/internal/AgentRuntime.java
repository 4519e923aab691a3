package io.teraio.agent.internal;

import io.teraio.agent.AgentMode;
import io.teraio.agent.AgentOptions;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.MemoryRule;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.engine.Placement;
import io.teraio.core.engine.PlanRuntime;
import io.teraio.core.engine.ProfiledOps;
import io.teraio.core.engine.RuntimeStats;
import io.teraio.core.engine.TensorState;
import io.teraio.core.internal.ProcessMemory;
import io.teraio.core.internal.storage.NativeHeap;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.session.AgentStats;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.core.trace.TraceWriter;
import io.teraio.planner.Workload;
import io.teraio.torch.BackwardListener;
import io.teraio.torch.PageBlocks;
import io.teraio.torch.TorchBridge;
import io.teraio.torch.TorchStorage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent at work inside the training job: it tracks every array (bytes, resident or not),
 * counts ops within the iteration, records the profiled iterations through a {@link Recorder},
 * plans in process (auto mode) and has a {@link PlanRuntime} apply the plan through a
 * {@link MigrationEngine}: the agent maps arrays to the plan's keys, reports op boundaries
 * and iteration ends, and supplies its memory rule (tracked arrays, and the tensors the engine
 * holds, under {@code deviceMemory}).
 *
 * <p>With the PyTorch bridge (checked after the first step) every kind moves: backward's nodes
 * are ops of the iteration (hooks on op outputs, {@link #backwardStarts}), a trace tensor is a
 * storage (views count once), and a planned storage is freed in place while DJL and autograd
 * hold it ({@link StorageSlot}), then restored before any op or backward node that reads it.
 * Without the bridge only optimizer state moves: its native tensor is taken out of its array
 * and the engine writes the tensor's own bytes out, then deletes it; the prefetch reads them
 * back into a new native tensor of the same shape, which the array's next {@code getHandle}
 * puts into the same Java object.
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
        /** Its storage's bytes; 0 for a view of a tracked array's storage (counted there). */
        long bytes;
        int traceId = -1;
        boolean persistent;
        boolean resident = true;
        /** With the bridge: the tracked array whose storage this one views, or null. */
        Tracked base;
        /** With the bridge: its storage's key (0 unknown), whether it could be evicted, whether it requires a gradient. */
        long storageKey;
        boolean evictable;
        boolean requiresGrad;
        /** A parameter's gradient (its owner), once known; see {@link AgentRuntime#gradients}. */
        Tracked grad;
        /** The slot the plan moves its storage through, while it has one. */
        StorageSlot slot;
        boolean closed;

        Tracked(long bytes) {
            this.bytes = bytes;
        }

        /** The tracked array owning the storage it uses: its base while that lives, else itself. */
        Tracked owner() {
            // a closed array still owns its storage while the plan holds it out (its views use it)
            return base != null && (!base.closed || base.slot != null) ? base.owner() : this;
        }
    }

    private static final Tracked[] NO_TENSORS = new Tracked[0];
    /** The key of an activation ({@link #siteKey}), bound to its array each iteration. */
    private static final Pattern ACTIVATION_KEY = Pattern.compile("op\\d+\\.out\\d+");

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
    /** Where the peak was (for the log at exit): iteration, op and parts; {@link #peakOpName} null before one. */
    private long peakIteration;
    private int peakOp;
    private String peakOpName;
    private final long[] peakParts = new long[4];
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
    /**
     * The PyTorch bridge once its check passed: activations and parameters then have backward
     * uses in the trace (a hook before each backward node) and move through it; null without.
     */
    private TorchBridge bridge;
    /** The bridge reads libtorch's version counters: a storage unchanged since its last write is not written again. */
    private boolean versions;
    /** With the bridge: the tracked arrays over each storage, by storage key; the first owns its bytes, the rest are views. */
    private final HashMap<Long, List<Tracked>> storages = new HashMap<>();
    /** With the bridge: per op of the current iteration, its name and what it used and made (its backward node's needs). */
    private final List<String> iterationNames = new ArrayList<>();
    private final List<Tracked[]> iterationTensors = new ArrayList<>();
    /** The uses of the op in progress, resolved to owners, for {@link #iterationTensors}. */
    private Tracked[] currentUses = NO_TENSORS;
    /** The outer op's arguments, resolved to owners, while its native call runs: their storages are not freed before it returns. */
    private Tracked[] callArgs = NO_TENSORS;
    /** Forward ops whose backward node was reported this iteration (an op with several outputs has several hooks). */
    private final BitSet backwardSeen = new BitSet();
    private final BackwardListener backwardListener = this::backwardStarts;
    /** With the bridge: the plan's keys (every kind moves through it) and their slots while bound. */
    private Set<String> slotKeys = Set.of();
    private final HashMap<String, StorageSlot> slots = new HashMap<>();
    /** Writing buffers whose writes are confirmed: their storages are freed on the training thread. */
    private final ConcurrentLinkedQueue<StorageSlot> written = new ConcurrentLinkedQueue<>();
    /** Slots whose arrays closed, until no buffer over them is open (then their handles close). */
    private final List<StorageSlot> retired = new ArrayList<>();
    /** Slots whose arrays closed while views of them live on (see {@link #heldByOthers}). */
    private final List<StorageSlot> orphans = new ArrayList<>();
    /**
     * The memory of evicted storages, kept for restores of their size (with the bridge, while
     * the plan applies): counted in {@link #heldBytes()} and freed when bytes would not fit.
     */
    private PageBlocks blocks;
    /** Slots not resident now (restored before any use, whatever the plan does). */
    private int slotsOut;
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
            beforeOp(k, "create", NO_TENSORS);
            if (observing) {
                liveNames.add("create");
                liveAllocBytes.add(t.bytes);
            }
            if (torchOps()) {
                noteOp(k, "create", new Tracked[] {t.owner()});
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
        Tracked t = arrays.get(array);
        if (t == null) {
            return;
        }
        try {
            if (t.slot != null && (t.slot.resident || !heldByOthers(t.slot))) {
                retire(t.slot, false); // it alone holds its storage: its bytes need not come back
            } else if (t.slot != null) {
                orphans.add(t.slot); // views hold it still: it stays out until they are used or gone
            } else if (t.base != null && t.base.closed && t.base.slot != null && !heldByOthers(t.base.slot)) {
                retire(t.base.slot, false); // the last view of a closed array's storage
            }
        } catch (RuntimeException e) {
            stopApplying("restoring a closing array", e);
        }
        arrays.remove(array);
        t.closed = true;
        List<Tracked> over = t.storageKey == 0 ? null : storages.get(t.storageKey);
        if (over != null) {
            boolean owned = over.get(0) == t;
            over.remove(t);
            if (over.isEmpty()) {
                storages.remove(t.storageKey);
            } else if (owned && t.slot == null) {
                passOwnership(t, over.get(0), over); // a view outlives it (a batch slice's dataset, say)
            }
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
        drainWritten();
        int k = opInIteration++;
        currentOp = k;
        currentOpName = name;
        opAllocs.clear();
        boolean torch = torchOps();
        List<Object> used = observing || recorder != null || torch || slotsOut > 0 ? arraysOf(args) : List.of();
        if (observing) {
            observe(name, used, k);
        }
        int[] ids = null;
        if (recorder != null) {
            try {
                ids = uses(used, k);
            } catch (RuntimeException e) {
                stopApplying("recording op " + k + " (" + name + ")", e);
            }
        }
        Tracked[] owners = torch || slotsOut > 0 ? owners(used, name) : NO_TENSORS;
        if (ids != null && bridge != null) {
            ids = traceIds(owners); // storages, each once, gradients included
        }
        currentUses = torch ? owners : NO_TENSORS;
        callArgs = owners;
        opUses.clear(); // holds no array past its op
        try {
            beforeOp(k, name, owners);
        } catch (TeraioException e) {
            throw e; // an array the op reads could not be restored: the op must not run
        } catch (RuntimeException e) {
            stopApplying("applying the plan before op " + k + " (" + name + ")", e);
        }
        if (recorder != null && ids != null) {
            try {
                recorderOp = recorder.beginOp(name, ids);
            } catch (RuntimeException e) {
                stopApplying("recording op " + k + " (" + name + ")", e);
            }
        }
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
                        TensorKind kind = allocKind();
                        // an activation moves through the bridge (a gradient is written by backward unseen)
                        t.traceId = recorder.registerTensor(siteKey(currentOp, j), t.bytes, kind, false,
                                kind == TensorKind.ACTIVATION && movable(t));
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
            liveAllocBytes.set(currentOp, bytes);
        }
        if (torchOps()) {
            try {
                followOutputs();
            } catch (RuntimeException e) {
                stopApplying("following op " + currentOp + " (" + currentOpName + ") into backward", e);
            }
        }
        opAllocs.clear();
        currentUses = NO_TENSORS;
        callArgs = NO_TENSORS;
        updatePeak();
    }

    /**
     * With the bridge, after an op: notes what it used and made (what its backward node will
     * need), hooks its outputs that require a gradient (so that its backward node is an op of
     * the iteration, {@link #backwardStarts}), and while the plan applies binds the outputs the
     * plan moves to their keys.
     */
    private void followOutputs() {
        int k = currentOp;
        Tracked[] tensors = Arrays.copyOf(currentUses, currentUses.length * 2 + opAllocs.size());
        int n = currentUses.length;
        for (int i = 0; i < currentUses.length; i++) {
            if (currentUses[i].grad != null) {
                tensors[n++] = currentUses[i].grad; // its backward node accumulates into it
            }
        }
        for (int j = 0; j < opAllocs.size(); j++) {
            Object array = opAllocs.get(j);
            Tracked t = arrays.get(array);
            if (t == null) {
                continue;
            }
            tensors[n++] = t.owner();
            if (t.requiresGrad) {
                // every output: the first hook of the node's to fire stands for it (backwardSeen)
                DjlArrays.registerHook(bridge, array, k, backwardListener);
            }
            if (applying && !slotKeys.isEmpty() && t.base == null && t.evictable && t.bytes > 0) {
                String key = siteKey(k, j);
                if (slotKeys.contains(key)) {
                    bind(key, array, t);
                }
            }
        }
        noteOp(k, currentOpName, n == tensors.length ? tensors : Arrays.copyOf(tensors, n));
    }

    /** Notes op {@code k}'s name and tensors for its backward node. */
    private void noteOp(int k, String name, Tracked[] tensors) {
        while (iterationNames.size() <= k) {
            iterationNames.add(null);
            iterationTensors.add(NO_TENSORS);
        }
        iterationNames.set(k, name);
        iterationTensors.set(k, tensors);
    }

    /**
     * A backward hook: the gradient of an output of op {@code id} of this iteration is
     * complete and the op's backward node runs next, on this thread, inside DJL's backward
     * call. The node is the iteration's next op ({@code backward:<op>}), using what op
     * {@code id} used and made: while profiling it is recorded (timed until the next node), and
     * while the plan applies its tensors are restored first. Throws (failing backward) only
     * when an evicted tensor cannot be read back.
     */
    private synchronized void backwardStarts(long id) {
        if (internal || bridge == null || id < 0 || id >= iterationNames.size() || backwardSeen.get((int) id)
                || !torchOps() && slotsOut == 0) {
            return;
        }
        int j = (int) id;
        backwardSeen.set(j);
        drainWritten();
        int k = opInIteration++;
        String name = "backward:" + iterationNames.get(j);
        currentOp = k;
        currentOpName = name;
        Tracked[] needs = iterationTensors.get(j);
        noteOp(k, name, NO_TENSORS);
        if (observing) {
            liveNames.add(name);
            liveAllocBytes.add(0L);
        }
        if (recorder != null && recorderOp >= 0) {
            try {
                recorder.endOp(recorderOp, null); // the part of backward before this node: the node before, or setting up
                recorderOp = recorder.beginOp(name, traceIds(needs));
            } catch (RuntimeException e) {
                stopApplying("recording backward node " + k + " (" + name + ")", e);
            }
        }
        try {
            beforeOp(k, name, needs);
        } catch (TeraioException e) {
            throw e;
        } catch (RuntimeException e) {
            stopApplying("applying the plan before backward node " + k + " (" + name + ")", e);
        }
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
        iterationNames.clear();
        iterationTensors.clear();
        backwardSeen.clear();
        dropOrphans();
        retired.removeIf(this::closeRetired);
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
     * found. Without it, optimizer state is all the agent moves.
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
            internal = true;
            try {
                this.bridge = TorchBridge.load();
                versions = this.bridge.versionsUntracked() == null;
                if (!versions) {
                    LOG.info("teraio-agent: libtorch's version counters cannot be read here ({}): every offload"
                            + " writes, unchanged or not", this.bridge.versionsUntracked());
                }
                for (Map.Entry<Object, Tracked> e : arrays.entrySet()) {
                    describe(e.getKey(), e.getValue());
                }
            } finally {
                internal = false;
            }
            LOG.info("teraio-agent: torch bridge available ({}): activations and parameters are followed into"
                    + " backward and can be moved", bridge.reason());
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
            Map<String, Object> parameters = DjlArrays.parameters(trainer);
            register(parameters, TensorKind.PARAMETER, false);
            register(gradients(parameters), TensorKind.GRADIENT, false);
            register(DjlArrays.optimizerStates(trainer), TensorKind.OPTIMIZER_STATE, true);
        } finally {
            internal = false;
        }
        profileWindow = true;
        want(Dispatch.Events.OPS_WITH_ARGUMENTS);
        // peaks are taken at the ops of the iterations (updatePeak), as the trace has them: not
        // at this instant between two iterations, when the last one's batch is not closed yet
        unconstrainedPeakBytes = 0;
        if (options.mode() == AgentMode.PROFILE) {
            peakResidentBytes = 0;
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
            t = t.owner();
            if (t.bytes > 0 && t.traceId < 0) {
                t.traceId = recorder.registerTensor(e.getKey(), t.bytes, kind, true,
                        offloadable || kind != TensorKind.OPTIMIZER_STATE && movable(t));
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
            peakResidentBytes = 0;
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
        liveAllocBytes.add(0L); // set at the op's end
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
        Map<String, Object> parameters;
        internal = true;
        try {
            stateArrays = DjlArrays.optimizerStates(trainer);
            parameters = bridge == null ? Map.of() : DjlArrays.parameters(trainer);
        } finally {
            internal = false;
        }
        if (bridge != null) {
            // optimizer state too: its memory then comes back page-aligned, moved with no staging copy
            Set<String> keys = new HashSet<>();
            entries.stream().map(PlanEntry::key).forEach(keys::add);
            slotKeys = keys;
            for (Map.Entry<String, Object> p : parameters.entrySet()) {
                if (arrays.get(p.getValue()) == null) {
                    track(p.getValue());
                }
            }
            Map<String, Object> persistent = new HashMap<>(parameters);
            persistent.putAll(stateArrays);
            internal = true;
            try {
                persistent.putAll(gradients(parameters));
            } finally {
                internal = false;
            }
            for (Map.Entry<String, Object> p : persistent.entrySet()) {
                Tracked t = arrays.get(p.getValue());
                t = (t == null ? track(p.getValue()) : t).owner();
                if (keys.contains(p.getKey()) && movable(t) && t.bytes > 0) {
                    bind(p.getKey(), p.getValue(), t);
                }
            }
        }
        if (engine != null) {
            if (bridge != null) {
                blocks = new PageBlocks();
            }
            runtime = new PlanRuntime(engine, entries, profiled, memoryRule(), this::stage);
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
        drainWritten(); // what the start state wrote out leaves memory now
        peakResidentBytes = 0; // taken at the ops from now on (updatePeak)
        if (!slotKeys.isEmpty() && runtime != null) {
            want(Dispatch.Events.OPS_WITH_ARGUMENTS); // each op's arrays are restored before it runs
        }
        long missing = entries.stream().map(PlanEntry::key).distinct()
                .filter(k -> !stateArrays.containsKey(k) && !slots.containsKey(k) && !ACTIVATION_KEY.matcher(k).matches())
                .count();
        LOG.info("teraio-agent: applying a plan of {} entries from iteration {} ({} optimizer state arrays found;{}{})",
                entries.size(), iteration, stateArrays.size(), bridge == null ? " moved by their native tensors"
                        : " through the torch bridge: " + slots.size() + " parameters, gradients and optimizer"
                        + " state arrays, and the activations the plan names",
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
     * tensors being read back, the memory of evicted storages kept for reuse ({@link #blocks}),
     * and the engine's own buffers (the probe's, while it runs).
     */
    private long heldBytes() {
        return residentBytes + writingBytes.get() + landingBytes.get() + (blocks == null ? 0 : blocks.bytes())
                + (engine == null ? 0 : engine.memory().usedBytes());
    }

    /**
     * The budget as the runtime asks it, on the training thread between native calls: freed
     * storages leave memory first ({@link #drainWritten}); what does not fit then frees the kept
     * blocks it needs, but a prefetch that a kept block of its size will take needs no more
     * memory for it, and that block is spared.
     */
    private MemoryRule memoryRule() {
        long budget = options.config().deviceMemoryBytes();
        return new MemoryRule() {
            @Override
            public boolean fits(long bytes) {
                return fitsBeside(bytes, 0, budget);
            }

            @Override
            public boolean fitsPrefetch(long tensorBytes, long otherBytes) {
                return fitsBeside(tensorBytes + otherBytes, tensorBytes, budget);
            }

            @Override
            public boolean writesInFlight() {
                return offloadsInFlight();
            }
        };
    }

    /** Whether {@code bytes} more fit in {@code budget}, a kept block taken for a restore of {@code reusing} bytes. */
    private boolean fitsBeside(long bytes, long reusing, long budget) {
        drainWritten();
        long over = heldBytes() + bytes - reused(reusing) - budget;
        if (over > 0 && blocks != null && blocks.bytes() > 0) {
            blocks.trim(over, reusing);
            over = heldBytes() + bytes - reused(reusing) - budget;
        }
        return over <= 0;
    }

    /** The kept bytes a restore of a storage of {@code bytes} would take instead of new memory. */
    private long reused(long bytes) {
        return bytes > 0 && blocks != null && blocks.has(bytes) ? PageBlocks.capacity(bytes) : 0;
    }

    /**
     * Takes a resident state array's native tensor out of it and registers it with the engine,
     * which writes the tensor's own bytes out through its few staging buffers and deletes it
     * once the write is confirmed (its bytes count as {@link #writingBytes} until then).
     */
    private void stage(String key) {
        StorageSlot slot = slots.get(key);
        if (slot != null) {
            stageSlot(slot);
            return;
        }
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

    /**
     * Reports op {@code k} to the runtime while the plan applies, and restores the moved
     * storages among {@code uses} (whatever the plan did: an evicted storage must never reach a
     * kernel).
     *
     * @throws TeraioException when a storage cannot be restored
     */
    private void beforeOp(int k, String name, Tracked[] uses) {
        List<StorageSlot> out = null;
        for (Tracked t : uses) {
            StorageSlot slot = t.slot;
            if (slot != null && !slot.resident) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(slot);
            }
        }
        if (applying && runtime != null) {
            if (out == null) {
                runtime.beforeOp(k, name, List.of());
            } else {
                List<String> keys = new ArrayList<>(out.size());
                out.forEach(slot -> keys.add(slot.key));
                runtime.beforeOp(k, name, keys);
            }
        }
        if (out != null) {
            for (StorageSlot slot : out) {
                restoreSlot(slot);
            }
        }
    }

    // ---- storages moved through the torch bridge ---------------------------------------

    /** Whether ops are followed into backward now: the bridge works and the iteration is profiled, watched or planned. */
    private boolean torchOps() {
        return bridge != null && (recorder != null || observing || applying && runtime != null);
    }

    /** Binds a planned key to the array's storage, for this iteration (an activation) or the run (a parameter). */
    private void bind(String key, Object array, Tracked t) {
        StorageSlot old = slots.get(key);
        if (old != null) {
            retire(old, heldByOthers(old) || !((Tracked) old.owner).closed); // the previous iteration's
        }
        TorchStorage storage;
        internal = true;
        try {
            storage = DjlArrays.storage(bridge, array);
        } finally {
            internal = false;
        }
        if (!storage.evictable()) {
            return;
        }
        StorageSlot slot = new StorageSlot(key, storage, t, array);
        slots.put(key, slot);
        t.slot = slot;
    }

    /**
     * Registers a resident slot's storage with the engine, which writes it out (through its
     * staging buffers, or straight when the memory is page-aligned); once the write is confirmed the storage is freed, on the training thread
     * ({@link #drainWritten}). Its bytes count as {@link #writingBytes} until then.
     */
    private void stageSlot(StorageSlot slot) {
        if (!slot.resident || slot.dead || ((Tracked) slot.owner).closed || engine.state(slot.key) != null) {
            return;
        }
        long bytes = slot.bytes();
        long version = version(slot);
        Placement copy = slot.copy;
        slot.copy = null;
        if (copy != null && (version < 0 || version != slot.copyVersion)) {
            engine.releaseCopy(copy); // changed since written (or cannot tell): written again
            copy = null;
        }
        slot.copyVersion = version;
        StorageSlot.Buffer buffer = slot.buffer(false, () -> written.add(slot));
        writingBytes.addAndGet(bytes);
        try {
            if (version >= 0) {
                engine.registerWithCopy(slot.key, buffer, () -> landSlot(slot), copy);
            } else {
                engine.register(slot.key, buffer, () -> landSlot(slot));
            }
        } catch (RuntimeException e) {
            engine.releaseCopy(copy); // held again by the engine when the registration failed
            buffer.keep();
            buffer.close();
            writingBytes.addAndGet(-bytes);
            throw e;
        }
        slot.resident = false;
        slotsOut++;
        Tracked t = (Tracked) slot.owner;
        if (t != null && t.resident) {
            t.resident = false;
            residentBytes -= t.bytes;
        }
    }

    /**
     * The version counter of a slot's tensor (see {@link TorchBridge#version}), read as it is
     * written out: equal at its next write, its bytes did not change and its copy is taken
     * instead. -1 where it cannot be told (no counters here, its array closed, an inference tensor).
     */
    private long version(StorageSlot slot) {
        if (!versions) {
            return -1;
        }
        try {
            return DjlArrays.version(bridge, slot.array);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * Frees the storages whose writes were confirmed since (on the training thread, between
     * native calls), but for those of the outer op's arguments ({@link #callArgs}) while its
     * call runs: backward's hooks run inside DJL's backward call, whose seed gradient autograd
     * reads after them; those are freed at the first drain after the call returns.
     */
    private void drainWritten() {
        List<StorageSlot> inCall = null;
        StorageSlot slot;
        while ((slot = written.poll()) != null) {
            if (argOfCall(slot)) {
                (inCall == null ? inCall = new ArrayList<>() : inCall).add(slot);
            } else {
                evict(slot);
            }
        }
        if (inCall != null) {
            written.addAll(inCall);
        }
    }

    private boolean argOfCall(StorageSlot slot) {
        for (Tracked t : callArgs) {
            if (t == slot.owner) {
                return true;
            }
        }
        return false;
    }

    /** Frees a written slot's storage (a dead one's memory is PyTorch's to free). */
    private void evict(StorageSlot slot) {
        writingBytes.addAndGet(-slot.bytes());
        if (slot.dead) {
            return;
        }
        try {
            slot.storage.release(blocks);
        } catch (RuntimeException e) {
            LOG.debug("teraio-agent: could not free {}: {}", slot, e.getMessage());
        }
    }

    /**
     * The engine's landing buffer for a slot's read (a prefetch or a miss, on the training
     * thread): its storage allocated again, page-aligned. Its bytes count as
     * {@link #landingBytes} until the restore completes.
     */
    private StorageSlot.Buffer landSlot(StorageSlot slot) {
        if (written.remove(slot)) {
            evict(slot); // written but not freed yet: freed now, as the read brings the bytes back
        }
        if (slot.storage.state() == TorchStorage.State.EVICTED) {
            slot.storage.allocate(blocks);
        } // else RESTORING: a read that failed left it allocated
        long bytes = slot.bytes();
        landingBytes.addAndGet(bytes);
        return slot.buffer(true, () -> landingBytes.addAndGet(-bytes));
    }

    /**
     * Makes a slot's storage usable again: waits for its prefetch or reads it now (a miss),
     * or, when its bytes never left (a write not yet confirmed, or confirmed and its storage
     * not freed yet), keeps them; then the engine forgets the key.
     *
     * @throws TeraioException when its bytes cannot be read back
     */
    private void restoreSlot(StorageSlot slot) {
        if (slot.resident) {
            return;
        }
        long bytes = slot.bytes();
        try {
            if (written.remove(slot)) {
                writingBytes.addAndGet(-bytes); // written, never freed: the storage has its bytes
            } else {
                if (LOG.isDebugEnabled() && engine.state(slot.key) == TensorState.OFFLOADED) {
                    LOG.debug("teraio-agent: {} read back at once before op {} ({}): no prefetch was on its way",
                            slot, currentOp, currentOpName);
                }
                StorageSlot.Buffer buffer = (StorageSlot.Buffer) (runtime != null ? runtime.acquire(slot.key)
                        : engine.acquire(slot.key));
                if (slot.storage.state() == TorchStorage.State.RESTORING) {
                    slot.storage.restored();
                }
                buffer.keep();
                (buffer.landing ? landingBytes : writingBytes).addAndGet(-bytes);
            }
            slot.copy = slot.copyVersion >= 0 ? engine.freeKeepingCopy(slot.key) : null;
            if (slot.copy == null) {
                engine.free(slot.key);
            }
        } catch (RuntimeException e) {
            throw new TeraioException("teraio-agent: cannot restore " + slot + ": " + e.getMessage(), e);
        }
        slot.resident = true;
        slotsOut--;
        Tracked t = (Tracked) slot.owner;
        if (t != null && !t.resident) {
            t.resident = true;
            residentBytes += t.bytes;
        }
        updatePeak();
    }

    /**
     * A slot's array closed (or its key was bound again): restored first if it is out and
     * {@code restore} (a view may outlive the array), then forgotten (left out, its engine key
     * freed); its handle closes once no buffer is open.
     */
    private void retire(StorageSlot slot, boolean restore) {
        if (restore) {
            restoreSlot(slot);
        } else if (!slot.resident) {
            if (written.remove(slot)) {
                writingBytes.addAndGet(-slot.bytes());
            }
            slotsOut--;
            if (engine.state(slot.key) != null) {
                engine.free(slot.key); // its bytes on storage go; a landing buffer closed unused gives its memory back
            }
        }
        engine.releaseCopy(slot.copy);
        slot.copy = null;
        slot.dead = true;
        slots.remove(slot.key, slot);
        orphans.remove(slot);
        Tracked t = (Tracked) slot.owner;
        if (t != null && t.slot == slot) {
            t.slot = null;
        }
        if (t != null && t.closed && t.resident) {
            residentBytes -= t.bytes; // restored for a view after its array closed
            t.resident = false;
        }
        if (!closeRetired(slot)) {
            retired.add(slot);
        }
    }

    /** Closes a retired slot's storage handle when no buffer over it is open; whether it did. */
    private boolean closeRetired(StorageSlot slot) {
        if (!slot.idle()) {
            return false;
        }
        slot.storage.close();
        return true;
    }

    /**
     * Whether something besides the one closing array holds a slot's storage (a view, a tensor
     * autograd saved), which may still use it. An array that alone holds its storage (an
     * activation written out after its last use, say) goes without its bytes being read back;
     * one whose views live on leaves its slot an orphan ({@link #orphans}), restored if a view is
     * used, dropped when the last view goes.
     */
    private static boolean heldByOthers(StorageSlot slot) {
        return references(slot) > 1;
    }

    /** What holds a slot's storage now (see {@link TorchStorage#references()}); 0 once every tensor of it is gone. */
    private static long references(StorageSlot slot) {
        try {
            return slot.storage.references();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Drops the orphans no tensor holds any more (their views closed out of sight, or freed by PyTorch). */
    private void dropOrphans() {
        for (int i = orphans.size() - 1; i >= 0; i--) {
            StorageSlot slot = orphans.get(i);
            if (slot.dead) {
                orphans.remove(i);
                continue;
            }
            if (references(slot) == 0) {
                orphans.remove(i);
                retire(slot, false);
            }
        }
    }

    /** Restores every slot that is out and forgets them all (the plan stopped applying). */
    private void restoreAll() {
        for (StorageSlot slot : new ArrayList<>(slots.values())) {
            try {
                retire(slot, true);
            } catch (RuntimeException e) {
                LOG.warn("teraio-agent: {}", e.getMessage());
            }
        }
        slotKeys = Set.of();
    }

    private void stopApplying(String where, RuntimeException e) {
        if (error == null) {
            error = where + ": " + e.getMessage();
            LOG.warn("teraio-agent: stopped {}; training goes on without it", error, e);
        }
        applying = false;
        recorder = null;
        profileWindow = false;
        if (engine != null && !slots.isEmpty()) {
            restoreAll();
        }
        if (blocks != null) {
            blocks.trim(Long.MAX_VALUE, 0); // nothing is restored into them any more
        }
        if (offloaded.isEmpty() && slotsOut == 0) {
            goIdle();
        }
    }

    // ---- tracking ----------------------------------------------------------------------

    private Tracked track(Object array) {
        long bytes;
        TorchBridge.TensorInfo info = null;
        boolean was = internal;
        internal = true;
        try {
            info = bridge == null ? null : tensorInfo(array);
            bytes = info != null ? info.tensorBytes() : DjlArrays.bytes(array); // one native call with the bridge
        } catch (RuntimeException e) {
            bytes = 0;
        } finally {
            internal = was;
        }
        Tracked t = new Tracked(bytes);
        arrays.put(array, t);
        residentBytes += bytes;
        if (info != null) {
            describe(t, info);
        }
        return t;
    }

    /** The bridge's view of the array's tensor, or null when it has no native tensor now (an offloaded state array). */
    private TorchBridge.TensorInfo tensorInfo(Object array) {
        try {
            return DjlArrays.tensorInfo(bridge, array);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@link #describe(Tracked, TorchBridge.TensorInfo)} of an array tracked before the bridge loaded. */
    private void describe(Object array, Tracked t) {
        if (t.bytes == 0 || t.storageKey != 0) {
            return;
        }
        TorchBridge.TensorInfo info = tensorInfo(array);
        if (info != null) {
            describe(t, info);
        }
    }

    /**
     * With the bridge: notes the array's storage; an array whose storage a tracked array owns
     * already is a view of it and tracks no bytes of its own, and the first one owns the
     * storage's bytes (all of them, when it is a slice).
     */
    private void describe(Tracked t, TorchBridge.TensorInfo info) {
        if (t.bytes == 0 || t.storageKey != 0) {
            return;
        }
        t.storageKey = info.storageKey();
        t.evictable = info.evictable();
        t.requiresGrad = info.requiresGrad();
        List<Tracked> over = storages.computeIfAbsent(info.storageKey(), key -> new ArrayList<>(1));
        if (!over.isEmpty()) {
            if (t.resident) {
                residentBytes -= t.bytes;
            }
            t.bytes = 0;
            t.base = over.get(0);
        } else if (info.storageBytes() > t.bytes) {
            // the first array seen of a storage owns all of it: a slice of a larger array counts the whole
            if (t.resident) {
                residentBytes += info.storageBytes() - t.bytes;
            }
            t.bytes = info.storageBytes();
        }
        over.add(t);
    }

    /**
     * Makes {@code heir}, a view in {@code over} (the tracked arrays over one storage), its
     * owner in {@code owner}'s place: the bytes move to it, and the other views now view it.
     */
    private static void passOwnership(Tracked owner, Tracked heir, List<Tracked> over) {
        heir.bytes = owner.bytes;
        heir.evictable = owner.evictable;
        heir.resident = owner.resident;
        heir.base = null;
        owner.bytes = 0;
        owner.base = heir;
        over.remove(heir);
        over.add(0, heir);
        for (Tracked view : over) {
            if (view != heir) {
                view.base = heir;
            }
        }
    }

    /**
     * The owners of the storages {@code used} arrays hold (untracked ones left out), with the
     * gradients of the parameters among them when the op reads or zeroes gradients.
     */
    private Tracked[] owners(List<Object> used, String op) {
        if (used.isEmpty()) {
            return NO_TENSORS;
        }
        boolean gradients = op.equals("getGradient") || op.equals("zeroGrad");
        Tracked[] owners = new Tracked[gradients ? used.size() * 2 : used.size()];
        int n = 0;
        for (Object a : used) {
            Tracked t = arrays.get(a);
            if (t != null) {
                owners[n++] = t.owner();
                if (gradients && t.owner().grad != null) {
                    owners[n++] = t.owner().grad;
                }
            }
        }
        return n == owners.length ? owners : Arrays.copyOf(owners, n);
    }

    /** The trace ids of the live, recorded storages among {@code tensors}, each once. */
    private static int[] traceIds(Tracked[] tensors) {
        int[] ids = new int[tensors.length];
        int n = 0;
        outer:
        for (Tracked t : tensors) {
            if (t.closed || t.traceId < 0 || t.bytes == 0) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (ids[i] == t.traceId) {
                    continue outer;
                }
            }
            ids[n++] = t.traceId;
        }
        return Arrays.copyOf(ids, n);
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
            t = t.owner();
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

    /**
     * With the bridge: each parameter's gradient ({@code <parameter>.grad}), an array over the
     * storage backward accumulates it into (DJL zeroes it in place), which its parameter's
     * tracked array then knows: an op that uses a parameter in backward, or reads or zeroes its
     * gradient, uses the gradient's storage too. Parameters without a gradient yet are left out.
     */
    private Map<String, Object> gradients(Map<String, Object> parameters) {
        Map<String, Object> gradients = new HashMap<>();
        if (bridge == null) {
            return gradients;
        }
        for (Map.Entry<String, Object> p : parameters.entrySet()) {
            Tracked parameter = arrays.get(p.getValue());
            Object gradient = DjlArrays.gradient(p.getValue());
            if (parameter == null || gradient == null) {
                continue;
            }
            Tracked g = arrays.get(gradient);
            if (g == null) {
                g = track(gradient);
            }
            Tracked owner = g.owner();
            List<Tracked> over = storages.get(g.storageKey);
            if (owner != g && owner.traceId < 0 && owner.slot == null && over != null && over.get(0) == owner) {
                // this array (which lives as long as the parameter) owns the storage from now on
                passOwnership(owner, g, over);
                owner = g;
            }
            if (owner.bytes > 0) {
                parameter.grad = owner;
                gradients.put(p.getKey() + ".grad", gradient);
            }
        }
        return gradients;
    }

    /** Whether the bridge can move the array's storage (it owns it, and it is evictable). */
    private boolean movable(Tracked t) {
        return bridge != null && t.base == null && t.evictable;
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
            peakIteration = iteration;
            peakOp = currentOp;
            peakOpName = currentOpName;
            peakParts[0] = residentBytes;
            peakParts[1] = writingBytes.get();
            peakParts[2] = landingBytes.get();
            peakParts[3] = blocks == null ? 0 : blocks.bytes();
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
        long zeros = 0;
        long unchanged = 0;
        long deviceUsed = -1;
        if (engine != null && !engine.isClosed()) {
            EngineStats s = engine.stats();
            offloadedBytes = s.bytesToSsd() + s.bytesToHost();
            prefetched = s.bytesFromSsd() + s.bytesFromHost();
            zeros = engine.io().stats().zeroBytesSkipped();
            unchanged = s.copyBytesReused();
            deviceUsed = engine.memory().deviceUsedBytes();
        }
        RuntimeStats r = runtime == null ? new RuntimeStats(0, 0, 0, 0, 0, 0) : runtime.stats();
        return new AgentStats(options.mode().argName(), iteration, profiledIterations,
                entries.size(), offloadedBytes, prefetched, zeros, unchanged, r.stallNs(), r.misses(), r.divergences(),
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
        if (peakOpName != null) {
            LOG.info("teraio-agent: the peak resident bytes ({}) were at iteration {}, op {} ({}): arrays {}, being"
                    + " written {}, being read {}, freed memory kept for reuse {}", Units.formatBytes(peakResidentBytes),
                    peakIteration, peakOp, peakOpName, Units.formatBytes(peakParts[0]), Units.formatBytes(peakParts[1]),
                    Units.formatBytes(peakParts[2]), Units.formatBytes(peakParts[3]));
        }
        if (blocks != null) {
            LOG.info("teraio-agent: {} restores reused the memory of an evicted storage", blocks.reuses());
            blocks.close();
        }
        LOG.debug("teraio-agent: {} arrays tracked at exit, {} resident", arrays.size(),
                Units.formatBytes(residentBytes));
    }

    /** The stats taken by {@link #close()}, or the current ones before it. */
    public synchronized AgentStats finalStats() {
        return finalStats != null ? finalStats : stats();
    }
}
