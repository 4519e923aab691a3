package io.teraio.core.session;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.MemoryRule;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.engine.PlanRuntime;
import io.teraio.core.engine.ProfiledOps;
import io.teraio.core.engine.RuntimeStats;
import io.teraio.core.engine.TensorState;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.OutOfDeviceMemoryException;
import io.teraio.core.trace.Recorder;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding API: a custom trainer that owns its tensors runs them through a session, and
 * the session records a trace, plans, and moves idle tensors to SSDs or host memory and back
 * so that they fit its device memory ({@code deviceMemory}).
 *
 * <p>The trainer registers its persistent tensors ({@link #register}), and marks every op:
 * {@link #beginOp} with the tensors it uses, {@link #allocate} for its outputs,
 * {@link #acquire} for the buffer of each tensor it touches, {@link #free} for tensors it is
 * done with, {@link #endOp}; and {@link #endIteration} after each training step. Those same
 * calls record a trace while profiling and, once there is a plan, drive the
 * {@link MigrationEngine} through a {@link PlanRuntime}: at each op the plan's offloads and
 * prefetches are issued, and a tensor the op needs is waited for; before the first planned
 * iteration, the tensors the plan keeps offloaded across the iteration boundary are written
 * out. A tensor's buffer is valid only within the op that acquired it: an offload frees it, a
 * prefetch brings the bytes back in a new one.
 *
 * <p>Tensor identity across iterations follows the trace format: a persistent tensor is its
 * key; a tensor an op allocates is its allocation site, {@code op<k>.out<slot>}, where
 * {@code k} counts the ops of the iteration from 0. Such a tensor lives at most to the end of
 * its iteration: {@link #endIteration} frees those still live. When the ops of an iteration
 * stop matching the plan's (another name at an index, or another count), the plan stops
 * applying for the rest of that iteration, which is counted as a divergence; offloaded
 * tensors still come back when acquired, so results stay correct.
 *
 * <p>The device memory's capacity is enforced: when an allocation or a read-back does not fit
 * and the plan's own offloads in flight would not free enough, the least recently used
 * offloadable tensors the current op does not use are offloaded on demand (evictions). This
 * is what lets the profiled iterations of {@code auto} mode run within the budget.
 *
 * <p>Not thread-safe: one thread (the training loop) makes the calls; {@link #stats()} may be
 * read from any thread. An idempotent {@link AutoCloseable}: closing frees every tensor and
 * deletes the offload files; any call after it but {@link #close}, {@link #stats} and
 * {@link #isClosed} throws {@link IllegalStateException}.
 */
public final class TeraioSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TeraioSession.class);
    /** Assumed SSD bandwidth (each direction) when planning with hardware built from the configuration. */
    public static final long ASSUMED_SSD_BYTES_PER_SECOND = 1_000_000_000L;
    /** Assumed SSD latency when planning with hardware built from the configuration. */
    public static final long ASSUMED_SSD_LATENCY_NS = 100_000L;
    /** Assumed device link bandwidth (each direction) when planning with hardware built from the configuration. */
    public static final long ASSUMED_PCIE_BYTES_PER_SECOND = 16_000_000_000L;

    private final TeraioConfig config;
    private final SessionOptions options;
    private final MigrationEngine engine;
    private final DeviceMemory memory;
    /** Where evictions write: every SSD, else the host tier, else nowhere. */
    private final Integer evictTarget;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Persistent tensors and the tensors ops allocated in this iteration, in registration order. */
    private final Set<TensorHandle> live = new LinkedHashSet<>();
    private long useClock;

    private int iteration;
    private int opInIteration;
    private OpState current;
    private Recorder recorder;
    private Trace trace;

    private Plan plan;
    private volatile PlanRuntime runtime;
    /** Whether the plan's start state is still to be put into effect (before the first planned op). */
    private boolean startPending;
    private int planFromIteration = -1;
    private long predictedPeakBytes = -1;
    private long predictedUnconstrainedBytes = -1;
    /** {@code auto} mode with devices that plan together: the job's planning, and this session's device in it. */
    private JobPlanning job;
    private int jobDevice;

    private final LongAdder ops = new LongAdder();
    private final LongAdder stallNs = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /** The op being run: its tensors are pinned (never evicted) until it ends. */
    private static final class OpState {
        final String name;
        final int index;
        final long startNs = System.nanoTime();
        final List<TensorHandle> uses = new ArrayList<>();
        final List<TensorHandle> allocs = new ArrayList<>();
        final List<TensorHandle> frees = new ArrayList<>();
        long stallNs;

        OpState(String name, int index) {
            this.name = name;
            this.index = index;
        }

        boolean pins(TensorHandle t) {
            return uses.contains(t) || allocs.contains(t);
        }
    }

    private TeraioSession(TeraioConfig config, SessionOptions options, MigrationEngine engine) {
        this.config = config;
        this.options = options;
        this.engine = engine;
        this.memory = engine.memory();
        this.evictTarget = !config.dirs().isEmpty() ? Integer.valueOf(IoEngine.ANY_SSD)
                : config.hostMemoryBytes() > 0 ? Integer.valueOf(IoEngine.HOST) : null;
    }

    /**
     * Opens a session: the {@link MigrationEngine} of {@code config} (its device memory of
     * {@code deviceMemory} is where the trainer's tensors live) run as {@code options} say.
     *
     * @throws TeraioException for a configuration the engine cannot open, or an offload plan
     *                         that does not match its profile
     */
    public static TeraioSession open(TeraioConfig config, SessionOptions options) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(options, "options");
        return over(MigrationEngine.open(config), config, options);
    }

    /**
     * A session over {@code engine}, opened from {@code config}; the session owns the engine
     * from now on and closes it, also when this throws.
     */
    static TeraioSession over(MigrationEngine engine, TeraioConfig config, SessionOptions options) {
        try {
            TeraioSession session = new TeraioSession(config, options, engine);
            if (options.mode() == SessionMode.OFFLOAD) {
                session.applyFrom(0, options.plan(), options.profile());
            }
            return session;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * The hardware a session plans for when its options name none: device 0 with
     * {@code deviceMemory}, one SSD per directory of {@code dirs} at an assumed
     * {@link #ASSUMED_SSD_BYTES_PER_SECOND} each way and {@link #ASSUMED_SSD_LATENCY_NS}, and
     * {@code hostMemory} of host memory. Pass a profile {@code teraio probe} measured in the
     * options to plan with the real bandwidth.
     */
    public static HardwareProfile hardwareOf(TeraioConfig config) {
        List<Ssd> ssds = new ArrayList<>();
        for (int i = 0; i < config.dirs().size(); i++) {
            ssds.add(new Ssd(i, config.dirs().get(i).toString(), ASSUMED_SSD_BYTES_PER_SECOND,
                    ASSUMED_SSD_BYTES_PER_SECOND, ASSUMED_SSD_LATENCY_NS, -1));
        }
        return new HardwareProfile(List.of(new Device(0, config.deviceMemoryBytes(), ASSUMED_PCIE_BYTES_PER_SECOND)),
                ssds, config.hostMemoryBytes());
    }

    /** The device memory tensors live in; buffers passed to {@link #register(String, DeviceBuffer, TensorKind, boolean)} come from it. */
    public DeviceMemory memory() {
        checkOpen();
        return memory;
    }

    public SessionOptions options() {
        return options;
    }

    /**
     * Registers a persistent tensor (a parameter, optimizer state, ...) whose bytes are
     * already in {@code buffer}, a buffer of {@link #memory()}; the session owns it from now on.
     *
     * @param key         its identity across iterations (not blank, not registered yet)
     * @param offloadable whether the session may move it out of device memory
     * @throws IllegalArgumentException for a blank or registered key, or a closed buffer
     */
    public TensorHandle register(String key, DeviceBuffer buffer, TensorKind kind, boolean offloadable) {
        checkOpen();
        Objects.requireNonNull(buffer, "buffer");
        checkKey(key, kind);
        engine.register(key, buffer);
        TensorHandle t = new TensorHandle(this, key, buffer.bytes(), kind, true, offloadable);
        t.lastUse = ++useClock;
        live.add(t);
        return t;
    }

    /**
     * Allocates {@code bytes} of device memory and registers them as a persistent tensor
     * (zeroed bytes are not promised: the trainer initializes them through {@link #acquire}).
     *
     * @throws IllegalArgumentException     for a blank or registered key, or bytes that are not positive
     * @throws OutOfDeviceMemoryException when the bytes cannot be had within the memory timeout
     */
    public TensorHandle register(String key, long bytes, TensorKind kind, boolean offloadable) {
        checkOpen();
        checkKey(key, kind);
        checkBytes("register of tensor '" + key + "'", bytes);
        DeviceBuffer buffer = allocateBuffer("register of tensor '" + key + "'", bytes);
        try {
            return register(key, buffer, kind, offloadable);
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
    }

    /**
     * Begins the next op of the iteration. With a plan: issues the op's offloads and
     * prefetches, then waits until every tensor in {@code uses} is resident; without one
     * (or once the iteration has diverged) the tensors come back as they are acquired.
     *
     * @param name the op's name (the same op has the same name every iteration)
     * @param uses the tensors it reads or writes (more may be added by {@link #acquire})
     * @throws IllegalStateException    when an op is open
     * @throws IllegalArgumentException for a freed tensor or one of another session
     */
    public void beginOp(String name, TensorHandle... uses) {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (current != null) {
            throw new IllegalStateException("beginOp " + name + ": op " + current.index + " (" + current.name
                    + ") is still open; call endOp first");
        }
        for (TensorHandle t : uses) {
            check("beginOp " + name, t);
        }
        if (job != null && runtime == null && opInIteration == 0 && trace != null) {
            adoptJobPlan();
        }
        OpState op = new OpState(name, opInIteration++);
        for (TensorHandle t : uses) {
            if (!op.uses.contains(t)) {
                op.uses.add(t);
            }
            t.lastUse = ++useClock;
        }
        current = op;
        if (runtime == null) {
            return;
        }
        if (startPending) {
            startPending = false;
            runtime.startState(kept -> engine.state(kept.key()) == TensorState.RESIDENT);
        }
        List<String> needs = new ArrayList<>(op.uses.size());
        for (TensorHandle t : op.uses) {
            needs.add(t.key());
            if (engine.state(t.key()) == TensorState.OFFLOADED) {
                makeRoom("beginOp " + name + " reading back " + t, t.bytes()); // a miss needs the memory now
            }
        }
        addStall(runtime.beforeOp(op.index, name, needs));
    }

    /**
     * Allocates an output of the open op: a tensor of {@code bytes} keyed by its allocation
     * site, {@code op<k>.out<slot>}, resident and offloadable. Waits for device memory when
     * it is short (offloads in flight free it, or least recently used tensors are evicted).
     *
     * @throws IllegalStateException      when no op is open
     * @throws OutOfDeviceMemoryException when the bytes cannot be had within the memory timeout
     */
    public TensorHandle allocate(long bytes, TensorKind kind) {
        checkOpen();
        Objects.requireNonNull(kind, "kind");
        OpState op = requireOp("allocate");
        String key = "op" + op.index + ".out" + op.allocs.size();
        checkBytes("allocate of tensor '" + key + "'", bytes);
        DeviceBuffer buffer = allocateBuffer("allocate of tensor '" + key + "' in op " + op.index + " (" + op.name
                + ")", bytes);
        try {
            engine.register(key, buffer);
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        TensorHandle t = new TensorHandle(this, key, bytes, kind, false, true);
        t.lastUse = ++useClock;
        live.add(t);
        op.allocs.add(t);
        return t;
    }

    /**
     * The tensor's buffer, resident: waits for a prefetch on its way, or reads the tensor
     * back at once (a miss). Within an op, the tensor counts as used by it from now on. The
     * buffer is valid until the op ends (or, outside ops, until the next op begins).
     *
     * @throws IllegalArgumentException for a freed tensor or one of another session
     * @throws io.teraio.core.storage.StorageException when the bytes cannot be read back
     */
    public DeviceBuffer acquire(TensorHandle t) {
        checkOpen();
        check("acquire", t);
        if (current != null && !current.pins(t)) {
            current.uses.add(t);
        }
        t.lastUse = ++useClock;
        TensorState state = engine.state(t.key());
        if (state == TensorState.RESIDENT) {
            return engine.acquire(t.key());
        }
        long start = System.nanoTime();
        if (state == TensorState.OFFLOADED) {
            makeRoom("acquire of " + t, t.bytes());
        }
        DeviceBuffer buffer = engine.acquire(t.key());
        addStall(System.nanoTime() - start);
        return buffer;
    }

    /** Where the tensor is now: {@code RESIDENT}, {@code OFFLOADING}, {@code OFFLOADED} or {@code PREFETCHING}. */
    public TensorState residency(TensorHandle t) {
        checkOpen();
        check("residency", t);
        return engine.state(t.key());
    }

    /**
     * Frees a tensor the trainer is done with: its device memory and storage go back (once
     * its I/O in flight, if any, is over). Within an op, it is recorded as freed by that op;
     * between ops, by the op before.
     *
     * @throws IllegalArgumentException for a tensor already freed or of another session
     */
    public void free(TensorHandle t) {
        checkOpen();
        check("free", t);
        release(t);
        if (current != null) {
            current.frees.add(t);
        } else if (recording() && t.traceId >= 0 && !t.persistent() && recorder.opCount() > 0) {
            recorder.free(t.traceId);
        }
    }

    /**
     * Ends the open op; while profiling, records it with its time less the time it waited.
     *
     * @throws IllegalStateException when no op is open
     */
    public void endOp() {
        checkOpen();
        OpState op = requireOp("endOp");
        long durationNs = Math.max(0, System.nanoTime() - op.startNs - op.stallNs);
        if (recording()) {
            int[] uses = traceIds(op.uses, false);
            int[] allocs = traceIds(op.allocs, false);
            int[] frees = traceIds(op.frees, true);
            recorder.recordOp(op.name, durationNs, uses, allocs, frees);
        }
        current = null;
        ops.increment();
    }

    /**
     * Ends a training iteration: frees the tensors its ops allocated that are still live,
     * checks the op count against the plan's, and after the last profiled iteration makes the
     * trace ({@code profile}) or the plan ({@code auto}, applied from the next iteration).
     *
     * @throws IllegalStateException when an op is open
     * @throws TeraioException       when {@code auto} mode cannot plan (no planner on the class
     *                               path, or no plan fits the device)
     */
    public void endIteration() {
        checkOpen();
        if (current != null) {
            throw new IllegalStateException("endIteration: op " + current.index + " (" + current.name
                    + ") is still open; call endOp first");
        }
        for (TensorHandle t : new ArrayList<>(live)) {
            if (!t.persistent()) {
                release(t);
                if (recording() && t.traceId >= 0 && recorder.opCount() > 0) {
                    recorder.free(t.traceId);
                }
            }
        }
        if (runtime != null) {
            runtime.endIteration(opInIteration);
        }
        boolean wasRecording = recording();
        if (wasRecording && opInIteration > 0) {
            recorder.endIteration();
        }
        iteration++;
        opInIteration = 0;
        if (wasRecording && iteration == options.warmup() + options.iterations()) {
            trace = recorder.toTrace();
            if (options.mode() == SessionMode.AUTO && job != null) {
                try {
                    job.offer(jobDevice, trace);
                } catch (TeraioException e) {
                    throw new TeraioException("auto mode: planning the devices together with policy "
                            + JobPlanning.policy() + " after iteration " + (iteration - 1) + " failed: "
                            + e.getMessage(), e);
                }
            } else if (options.mode() == SessionMode.AUTO) {
                HardwareProfile hardware = options.hardware() != null ? options.hardware() : hardwareOf(config);
                PlanMaker maker = PlanMaker.load();
                long start = System.nanoTime();
                PlanMaker.MadePlan made;
                try {
                    made = maker.make(trace, hardware);
                } catch (TeraioException e) {
                    throw new TeraioException("auto mode: planning with policy " + maker.name() + " after iteration "
                            + (iteration - 1) + " failed: " + e.getMessage(), e);
                }
                LOG.info("auto mode: planned {} entries with policy {} in {}; applied from iteration {}",
                        made.plan().entries().size(), maker.name(), Units.formatNanos(System.nanoTime() - start),
                        iteration);
                predictedPeakBytes = made.predictedPeakBytes();
                predictedUnconstrainedBytes = made.predictedUnconstrainedBytes();
                applyFrom(iteration, made.plan(), trace);
            }
        }
    }

    /**
     * Makes this session one of devices that plan together ({@link DeviceSessions}, {@code auto}
     * mode): when its profiling ends it offers its trace to {@code job} instead of planning
     * alone, and applies its plan from the start of the first iteration after the job is planned.
     */
    void planWith(JobPlanning job, int device) {
        this.job = job;
        this.jobDevice = device;
    }

    /** Applies this device's plan of the job from this iteration, if the job is planned. */
    private void adoptJobPlan() {
        PlanMaker.MadePlan made = job.planFor(jobDevice);
        if (made == null) {
            return;
        }
        LOG.info("auto mode: device {} applies its plan of the job ({} entries) from iteration {}", jobDevice,
                made.plan().entries().size(), iteration);
        predictedPeakBytes = made.predictedPeakBytes();
        predictedUnconstrainedBytes = made.predictedUnconstrainedBytes();
        applyFrom(iteration, made.plan(), trace);
    }

    /** The recorded trace once profiling is over, else {@code null}. */
    public Trace trace() {
        return trace;
    }

    /** The plan being applied, else {@code null}. */
    public Plan plan() {
        return plan;
    }

    /** Iterations ended so far. */
    public int iteration() {
        return iteration;
    }

    public SessionStats stats() {
        EngineStats e = engine.stats();
        PlanRuntime r = runtime;
        RuntimeStats p = r == null ? null : r.stats();
        return new SessionStats(options.mode(), iteration, ops.sum(), planFromIteration, memory.peakUsedBytes(),
                memory.capacityBytes(), e.bytesToSsd() + e.bytesToHost(), e.bytesFromSsd() + e.bytesFromHost(),
                stallNs.sum(), e.misses(), evictions.sum(), p == null ? 0 : p.divergences(),
                p == null ? 0 : p.issued(), p == null ? 0 : p.skipped(), predictedPeakBytes,
                predictedUnconstrainedBytes, memory.deviceUsedBytes(), memory.systemPeakBytes());
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Frees every tensor and closes the engine, which deletes the offload files. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (TensorHandle t : live) {
            t.freed = true;
        }
        live.clear();
        current = null;
        engine.close();
    }

    private void applyFrom(int fromIteration, Plan newPlan, Trace profile) {
        ProfiledOps profiled = ProfiledOps.count(newPlan.opsPerIteration());
        if (profile != null) {
            profiled = ProfiledOps.of(profile);
            if (profiled.count() != newPlan.opsPerIteration()) {
                throw new TeraioException("offload mode: the plan has " + newPlan.opsPerIteration()
                        + " ops per iteration, the last iteration of its profile " + profiled.count());
            }
            String digest = TraceDigest.sha256(profile);
            if (!digest.equals(newPlan.traceSha256())) {
                throw new TeraioException("offload mode: the plan was made for trace sha256 " + newPlan.traceSha256()
                        + ", the profile given has " + digest);
            }
        }
        runtime = new PlanRuntime(engine, newPlan.entries(), profiled, MemoryRule.deviceMemory());
        startPending = true;
        plan = newPlan;
        planFromIteration = fromIteration;
        if (newPlan.predicted() != null && predictedPeakBytes < 0) {
            predictedPeakBytes = newPlan.predicted().peakDeviceBytes();
        }
    }

    private boolean recording() {
        SessionMode mode = options.mode();
        if (mode != SessionMode.PROFILE && mode != SessionMode.AUTO) {
            return false;
        }
        if (iteration < options.warmup() || iteration >= options.warmup() + options.iterations()) {
            return false;
        }
        if (recorder == null) {
            recorder = new Recorder(options.source() != null ? options.source()
                    : new TraceSource("teraio-session", "custom", "unknown", memory.name()));
        }
        return true;
    }

    /** The tensors' ids in the recorder, registering those it has not seen; persistent ones left out of frees. */
    private int[] traceIds(List<TensorHandle> tensors, boolean frees) {
        int[] ids = new int[tensors.size()];
        int n = 0;
        for (TensorHandle t : tensors) {
            if (frees && t.persistent()) {
                continue;
            }
            if (t.traceId < 0) {
                t.traceId = recorder.registerTensor(t.key(), t.bytes(), t.kind(), t.persistent(), t.offloadable());
            }
            ids[n++] = t.traceId;
        }
        return n == ids.length ? ids : Arrays.copyOf(ids, n);
    }

    private void release(TensorHandle t) {
        t.freed = true;
        live.remove(t);
        engine.free(t.key());
    }

    /** A buffer of {@code bytes}, making room for it first when memory is short. */
    private DeviceBuffer allocateBuffer(String what, long bytes) {
        DeviceBuffer buffer = memory.tryAllocate(bytes);
        if (buffer != null) {
            return buffer;
        }
        long start = System.nanoTime();
        try {
            makeRoom(what, bytes);
            return memory.allocate(bytes, options.memoryTimeoutNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TeraioException(what + ": interrupted while waiting for " + Units.formatBytes(bytes)
                    + " of device memory", e);
        } finally {
            addStall(System.nanoTime() - start);
        }
    }

    /**
     * Makes sure {@code bytes} will fit: counts the free memory and the bytes of offloads in
     * flight, and offloads the least recently used offloadable resident tensors that the open
     * op does not use until that is enough. Does not wait for the writes: the allocation that
     * follows does.
     *
     * @throws OutOfDeviceMemoryException at once when even that cannot free enough and no
     *                                    tensor is being read back (nothing else can free memory)
     */
    private void makeRoom(String what, long bytes) {
        long free = memory.capacityBytes() - memory.usedBytes();
        long coming = free;
        long pinned = 0;
        boolean reading = false;
        List<TensorHandle> candidates = new ArrayList<>();
        for (TensorHandle t : live) {
            TensorState state = engine.state(t.key());
            if (state == TensorState.OFFLOADING) {
                coming += t.bytes();
            } else if (state == TensorState.PREFETCHING) {
                reading = true;
            } else if (state == TensorState.RESIDENT) {
                if (evictTarget != null && t.offloadable() && (current == null || !current.pins(t))) {
                    candidates.add(t);
                } else {
                    pinned += t.bytes();
                }
            }
        }
        if (coming >= bytes) {
            return;
        }
        long evictable = candidates.stream().mapToLong(TensorHandle::bytes).sum();
        if (coming + evictable < bytes && !reading) {
            throw new OutOfDeviceMemoryException(what + ": " + Units.formatBytes(bytes) + " cannot fit in device memory: "
                    + Units.formatBytes(memory.usedBytes()) + " of " + Units.formatBytes(memory.capacityBytes())
                    + " are used, of which " + Units.formatBytes(pinned) + " by tensors that cannot leave now (used by"
                    + " the open op, not offloadable" + (evictTarget == null ? ", or with nowhere to go: no dirs and no"
                    + " hostMemory" : "") + ")");
        }
        candidates.sort(Comparator.comparingLong(t -> t.lastUse));
        for (TensorHandle t : candidates) {
            if (coming >= bytes) {
                break;
            }
            engine.offload(t.key(), evictTarget, true);
            evictions.increment();
            coming += t.bytes();
        }
    }

    private void addStall(long nanos) {
        if (nanos > 0) {
            stallNs.add(nanos);
            if (current != null) {
                current.stallNs += nanos;
            }
        }
    }

    private OpState requireOp(String operation) {
        if (current == null) {
            throw new IllegalStateException(operation + ": no op is open; call beginOp first");
        }
        return current;
    }

    private void check(String operation, TensorHandle t) {
        Objects.requireNonNull(t, "tensor");
        if (t.session != this) {
            throw new IllegalArgumentException(operation + " of " + t + ": the tensor belongs to another session");
        }
        if (t.freed) {
            throw new IllegalArgumentException(operation + " of " + t + ": the tensor was freed"
                    + (t.persistent() ? "" : " (a tensor an op allocates lives at most to the end of its iteration)"));
        }
    }

    private void checkKey(String key, TensorKind kind) {
        Objects.requireNonNull(kind, "kind");
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("register: the key is " + (key == null ? "null" : "blank"));
        }
        if (key.matches("op\\d+\\.out\\d+")) {
            throw new IllegalArgumentException("register of tensor '" + key + "': keys of the form op<k>.out<slot>"
                    + " name the tensors ops allocate; pick another key");
        }
    }

    private static void checkBytes(String what, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(what + ": bytes must be positive, got " + bytes);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("teraio session used after close");
        }
    }
}
