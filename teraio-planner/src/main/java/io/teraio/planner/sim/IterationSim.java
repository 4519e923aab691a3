package io.teraio.planner.sim;

import static io.teraio.planner.sim.LastIteration.MEMORY;
import static io.teraio.planner.sim.LastIteration.PREFETCH;
import static io.teraio.planner.sim.TensorPlaces.ABSENT;
import static io.teraio.planner.sim.TensorPlaces.HOST;
import static io.teraio.planner.sim.TensorPlaces.OFFLOADED;
import static io.teraio.planner.sim.TensorPlaces.OFFLOADING;
import static io.teraio.planner.sim.TensorPlaces.PREFETCHING;
import static io.teraio.planner.sim.TensorPlaces.RESIDENT;

import io.teraio.core.Units;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.StartState;
import io.teraio.planner.EntryReferences;
import io.teraio.planner.Workload;
import java.util.List;

/**
 * One device's simulation: its compute stream, advanced event by event, with its device memory
 * and the plan entries it issues. Its parts: where each tensor is ({@link TensorPlaces}), the
 * plan's entries by op ({@link EntryTable}), the transfers in flight ({@link Transfers}), the
 * events ({@link EventQueue}), the transfers' moves over the profile's SSD channels
 * ({@link Channels}) and PCIe links ({@link Links}) or over the engine's lanes ({@link Lanes},
 * shared with the other devices as the channels are, in {@link Shared}), and what the last
 * iteration records ({@link LastIteration}). Everything lives in primitive arrays indexed by op,
 * tensor slot, entry or transfer id, and a simulation allocates nothing per event once its arrays
 * have grown. The model is described in docs/simulator.md. {@link #run} runs a device alone;
 * {@link JointRun} runs the devices of a job together.
 */
final class IterationSim {
    /** How a joint simulation's {@code outOfMemory} starts on a device stopped because another ran out of memory. */
    static final String STOPPED = "stopped at ";

    /** Where the compute stream is. */
    private enum Phase {
        /** The op is running. */
        RUNNING,
        /** The stream reached the op: it starts once its needs are met. */
        REACHED,
        /** The last iteration ended. */
        DONE,
        /** In a joint simulation: the iteration ended, waiting for the other devices to end theirs. */
        BARRIER
    }

    final Workload w;
    private final int n;
    final DeviceHardware hardware;
    private final int iterations;
    private final int points;
    /** The SSD channels, the issue order and the host memory, shared with the other devices of a joint simulation. */
    private final Shared shared;
    /** This simulation's index among {@link Shared#sims}. */
    final int device;
    /** Whether other devices share the simulation: iterations end at a barrier. */
    private final boolean joint;

    private final EntryTable entries;
    private final TensorPlaces tensors;
    final Transfers transfers = new Transfers();
    /** The profile model's SSD channels and PCIe links, used when {@link Shared#lanes} is null. */
    final Channels channels;
    private final Links links;
    private final EventQueue events = new EventQueue();
    private final MinHeap memoryQueue = new MinHeap();
    private final LastIteration last = new LastIteration();

    /** Transfers holding a channel or moving bytes: while none are, only the compute stream makes progress. */
    int moving;
    /** Per link direction: the rates from and to SSDs, and in all. */
    private final double[] linkSsdRate = new double[2];
    private final double[] linkTotalRate = new double[2];

    // Compute stream.
    long now;
    private int iter;
    private int op;
    private Phase phase;
    private boolean opEnded;
    private long opGlobal;
    /** When the compute stream is done issuing the reached op's entries ({@link LaneModel#migrationNs} each). */
    private long issuedNs;
    private long pendingAllocBytes;
    private int waitCause = -1;
    private long waitSinceNs;
    private final long[] opWaitNs = new long[2];
    private long iterStartNs;
    private final long[] iterationNs;
    private String outOfMemory;

    /** Device memory in use (host memory is the shared one's). */
    private long used;

    /**
     * A simulation of one device alone, with {@code model} for the engine's lanes (null for the
     * profile's channels).
     *
     * @throws io.teraio.core.TeraioException if an entry names a tensor, op or SSD that does not exist
     */
    IterationSim(Workload w, List<PlanEntry> entries, DeviceHardware hardware, SimulationOptions options,
                 LaneModel model) {
        this(w, entries, hardware, options, new Shared(hardware.ssds(), 1, model), 0);
    }

    /**
     * One device of a joint simulation: {@code shared} holds the SSD channels and host memory of
     * all of them, and this simulation is its {@code sims[device]}.
     */
    IterationSim(Workload w, List<PlanEntry> entries, DeviceHardware hardware, SimulationOptions options,
                 Shared shared, int device) {
        this.shared = shared;
        this.device = device;
        this.joint = shared.sims.length > 1;
        shared.sims[device] = this;
        this.w = w;
        this.n = w.opCount();
        this.hardware = hardware;
        this.iterations = options.iterations();
        this.points = options.timelinePoints();
        this.iterationNs = new long[iterations];
        this.entries = new EntryTable(w, entries, hardware.ssds());
        this.tensors = new TensorPlaces(w);
        this.links = new Links(this, w, transfers, shared, hardware);
        this.channels = new Channels(this, w, transfers, shared, device, hardware, links);
    }

    /** Runs this device alone to its last iteration's end, or until it runs out of memory. */
    SimulationResult run() {
        if (!startFits()) {
            return result();
        }
        begin();
        afterBatch();
        while (phase != Phase.DONE && outOfMemory == null) {
            if (events.isEmpty()) {
                throw new IllegalStateException("simulator: no events left at op " + op + " of iteration " + iter);
            }
            long t = events.nextNs();
            now = t;
            handleEventsAt(t);
            afterBatch();
        }
        return result();
    }

    // ---------------------------------------------------------------- steps of a run, for JointRun

    /** Sets up the start state; false, with {@link #outOfMemory} saying why, if it does not fit the device. */
    boolean startFits() {
        initialState();
        if (used > hardware.memoryBytes()) {
            outOfMemory = "out of memory at the start of iteration 0: the tensors resident across the iteration"
                    + " boundary take " + Units.formatBytes(used) + ", more than the device's "
                    + Units.formatBytes(hardware.memoryBytes());
            return false;
        }
        return true;
    }

    /** Issues the cold start's prefetches and reaches op 0 of iteration 0. */
    void begin() {
        issueColdStartPrefetches();
        beginIteration(0);
        reach(0);
    }

    /** When the next event is, or {@code Long.MAX_VALUE} if none is left. */
    long nextEventNs() {
        return events.isEmpty() ? Long.MAX_VALUE : events.nextNs();
    }

    /** Handles the events at {@code t} (the clock is there); true if there were any. */
    boolean handleEventsAt(long t) {
        boolean handled = false;
        while (!events.isEmpty() && events.nextNs() == t) {
            handle(events.pop());
            handled = true;
        }
        return handled;
    }

    /** Ends the running op if its end came. */
    void endOpIfEnded() {
        if (opEnded) {
            opEnded = false;
            endOp();
        }
    }

    boolean atBarrier() {
        return phase == Phase.BARRIER;
    }

    /** Every device reached the barrier: the next iteration starts. */
    void passBarrier() {
        beginIteration(iter + 1);
        reach(0);
    }

    boolean done() {
        return phase == Phase.DONE;
    }

    /** Where this device ran out of memory, or null. */
    String outOfMemory() {
        return outOfMemory;
    }

    /** Another device ran out of memory ({@code cause} names it): this one stops where it is, unless it is done. */
    void stopBecause(String cause) {
        if (outOfMemory == null && phase != Phase.DONE) {
            outOfMemory = STOPPED + "op " + op + " (" + w.opName(op) + ") in iteration " + iter + ": " + cause
                    + " ran out of memory";
        }
    }

    // ---------------------------------------------------------------- state at the start

    /**
     * Tensors resident from the start are resident, except those the plan keeps offloaded
     * across the iteration boundary ({@link StartState}, the rule the plan runtime applies
     * too): they start on their offload's target, and the wrapping prefetch of such a tensor
     * is issued at time 0 (its copy from iteration -1).
     */
    private void initialState() {
        for (int e = 0; e < entries.wrap.length; e++) {
            if (entries.wrap[e]) {
                entries.doneIter[e] = 0; // the cold start issues only the kept-offloaded tensors' closing prefetches
            }
        }
        byte[] state = tensors.state;
        for (StartState.Kept kept : StartState.of(entries.entries).kept()) {
            int t = w.trace().slotOf(kept.tensor());
            if (!w.inIteration(t) || !w.wraps(t)) {
                continue;
            }
            state[t] = OFFLOADED;
            tensors.loc[t] = entries.ssd[kept.location()];
            if (tensors.loc[t] == HOST) {
                shared.hostUsed += w.bytes(t);
            }
            if (kept.wrappingPrefetch() >= 0) {
                entries.doneIter[kept.wrappingPrefetch()] = -1;
            }
        }
        for (int t = 0; t < w.tensorCount(); t++) {
            if (w.inIteration(t) && w.allocOp(t) == -1 && state[t] != OFFLOADED) {
                state[t] = RESIDENT;
                used += w.bytes(t);
            }
        }
    }

    /** The instances of the closing wrapping prefetches that iteration -1 would have issued, at time 0. */
    private void issueColdStartPrefetches() {
        for (int e : entries.issueOrder) {
            if (entries.wrap[e] && entries.doneIter[e] == -1) {
                issuePrefetch(e, 0);
            }
        }
    }

    // ---------------------------------------------------------------- compute stream

    private void beginIteration(int i) {
        iter = i;
        iterStartNs = now;
        if (i == iterations - 1) {
            long hostCapacity = hardware.hostMemoryBytes();
            if (shared.hostUsed > hostCapacity) {
                last.hostViolation = "host memory holds " + Units.formatBytes(shared.hostUsed) + " of offloaded tensors"
                        + " at the start of the iteration, more than the hardware's hostMemoryBytes ("
                        + Units.formatBytes(hostCapacity) + ")";
            }
            long expected = i > 0 ? iterationNs[i - 1] : w.idealNs();
            last.begin(n, points, expected, used, shared.hostUsed, linkSsdRate, linkTotalRate, shared, hostLane(),
                    now);
            byte[] state = tensors.state;
            for (int t = 0; t < state.length; t++) {
                if (state[t] == OFFLOADING) {
                    moved(t, TensorMoves.OFFLOADING);
                } else if (state[t] == OFFLOADED) {
                    moved(t, TensorMoves.OFFLOADED);
                } else if (state[t] == PREFETCHING) {
                    moved(t, TensorMoves.PREFETCHING);
                }
            }
        }
    }

    /** The compute stream reaches the start of op k: issue its entries; it may start once its needs are met. */
    private void reach(int k) {
        op = k;
        phase = Phase.REACHED;
        opGlobal = (long) iter * n + k;
        waitCause = -1;
        opWaitNs[PREFETCH] = 0;
        opWaitNs[MEMORY] = 0;
        byte[] state = tensors.state;
        long alloc = 0;
        for (int t : w.needs(k)) {
            if (state[t] == ABSENT) {
                alloc += w.bytes(t);
            }
        }
        if (k == 0 && iter > 0) {
            for (int t : tensors.inherited) {
                if (state[t] == ABSENT) {
                    alloc += w.bytes(t);
                }
            }
        }
        pendingAllocBytes = alloc;
        EntryTable es = entries;
        for (int j = es.issueStart[k]; j < es.issueStart[k + 1]; j++) {
            int e = es.issueOrder[j];
            if (es.offload[e]) {
                issueOffload(e);
            } else {
                issuePrefetch(e, es.wrap[e] ? iter + 1 : iter);
            }
        }
        long issuing = shared.lanes == null ? 0 : shared.lanes.migrationNs() * es.issuedAt(k);
        issuedNs = now + issuing;
        if (issuing > 0) {
            schedule(issuedNs, EventQueue.ISSUED, 0);
            if (last.recording) {
                last.overheadNs += issuing;
            }
        }
    }

    private void afterBatch() {
        if (opEnded) {
            opEnded = false;
            endOp();
            if (phase == Phase.DONE) {
                return;
            }
        }
        goOn();
    }

    /** Grants what memory allows and starts the reached op if it can; notes a device that can go on no more. */
    void goOn() {
        grantMemory();
        if (phase == Phase.REACHED) {
            tryStart();
            if (phase == Phase.REACHED && moving == 0 && channels.queued == 0 && now >= issuedNs) {
                outOfMemory = describeOutOfMemory();
            }
        }
    }

    /** Starts the reached op if everything it needs is resident and its allocations fit. */
    private void tryStart() {
        if (now < issuedNs) {
            return; // still issuing the op's entries
        }
        int k = op;
        int[] needs = w.needs(k);
        byte[] state = tensors.state;
        boolean fetched = false;
        for (int t : needs) {
            if ((state[t] == OFFLOADED || state[t] == OFFLOADING) && tensors.inX[t] < 0) {
                demandFetch(t);
                fetched = true;
            }
        }
        if (fetched) {
            grantMemory();
        }
        boolean waitPrefetch = false;
        boolean waitMemory = false;
        long alloc = 0;
        for (int t : needs) {
            byte s = state[t];
            if (s == ABSENT) {
                alloc += w.bytes(t);
            } else if (s != RESIDENT) {
                if (transfers.state[tensors.inX[t]] == Transfers.WAIT_MEMORY) {
                    waitMemory = true;
                } else {
                    waitPrefetch = true;
                }
            }
        }
        boolean inheriting = k == 0 && iter > 0;
        if (inheriting) {
            for (int t : tensors.inherited) {
                if (state[t] == ABSENT) {
                    alloc += w.bytes(t);
                }
            }
        }
        EntryTable es = entries;
        for (int j = es.dueStart[k]; j < es.dueStart[k + 1]; j++) {
            int e = es.dueOrder[j];
            if (es.doneIter[e] >= iter) {
                continue;
            }
            int x = es.transfer[e];
            if (x < 0 || transfers.entry[x] != e || transfers.state[x] == Transfers.FREE) {
                es.doneIter[e] = iter; // never issued for this iteration: nothing to wait for
            } else if (transfers.state[x] == Transfers.WAIT_MEMORY) {
                waitMemory = true;
            } else {
                waitPrefetch = true;
            }
        }
        pendingAllocBytes = alloc;
        int cause = waitPrefetch ? PREFETCH
                : waitMemory || used + alloc > hardware.memoryBytes() ? MEMORY : -1;
        if (waitCause >= 0) {
            opWaitNs[waitCause] += now - waitSinceNs;
        }
        if (cause >= 0) {
            waitCause = cause;
            waitSinceNs = now;
            return;
        }
        for (int t : needs) {
            if (state[t] == ABSENT) {
                state[t] = RESIDENT;
            }
        }
        if (inheriting) {
            for (int t : tensors.inherited) {
                if (state[t] == ABSENT) {
                    state[t] = RESIDENT;
                }
            }
        }
        pendingAllocBytes = 0;
        changeUsed(alloc);
        if (last.recording) {
            last.opStarted(k, now - iterStartNs, now - issuedNs, opWaitNs);
        }
        phase = Phase.RUNNING;
        schedule(now + w.durationNs(k), EventQueue.OP_END, 0);
    }

    private void endOp() {
        if (op == n - 1 && iter == iterations - 1) {
            phase = Phase.DONE;
            long end = now - iterStartNs;
            iterationNs[iter] = end;
            last.finish(end, shared, hostLane(), now);
            return;
        }
        for (int t : w.frees(op)) {
            free(t);
        }
        if (op < n - 1) {
            reach(op + 1);
            return;
        }
        for (int t : tensors.freedAtEnd) {
            free(t);
        }
        iterationNs[iter] = now - iterStartNs;
        if (joint) {
            phase = Phase.BARRIER;
            return;
        }
        beginIteration(iter + 1);
        reach(0);
    }

    private String describeOutOfMemory() {
        long need = pendingAllocBytes;
        for (int t : w.needs(op)) {
            if (tensors.state[t] == PREFETCHING && transfers.state[tensors.inX[t]] == Transfers.WAIT_MEMORY) {
                need += w.bytes(t);
            }
        }
        if (need == 0 && !memoryQueue.isEmpty()) {
            need = w.bytes(transfers.slot[memoryQueue.peekValue()]);
        }
        long capacity = hardware.memoryBytes();
        return "out of memory at op " + op + " (" + w.opName(op) + ") in iteration " + iter
                + ": its allocations and prefetches need " + Units.formatBytes(need) + ", only "
                + Units.formatBytes(capacity - used) + " of the device's " + Units.formatBytes(capacity)
                + " is free, and no migration in flight can free more";
    }

    // ---------------------------------------------------------------- plan entries

    private void issueOffload(int e) {
        int t = entries.slot[e];
        if (tensors.state[t] != RESIDENT) {
            skipped();
            return;
        }
        int ssd = entries.ssd[e];
        int x = transfers.add(t, e, true, ssd, entries.urgent[e], iter, opGlobal, ++shared.issueSeq);
        tensors.state[t] = OFFLOADING;
        tensors.outX[t] = x;
        tensors.loc[t] = ssd;
        moved(t, TensorMoves.OFFLOADING);
        long bytes = w.bytes(t);
        boolean recording = last.recording;
        if (ssd == HOST) {
            last.bytesToHost += recording ? bytes : 0;
            changeHost(bytes);
            long hostCapacity = hardware.hostMemoryBytes();
            if (shared.hostUsed > hostCapacity && recording && last.hostViolation == null) {
                last.hostViolation = (joint ? "device " + device + ": " : "")
                        + EntryReferences.describe(e, entries.entries.get(e)) + " puts "
                        + Units.formatBytes(shared.hostUsed) + " in host memory at op " + op
                        + ", more than the hardware's hostMemoryBytes (" + Units.formatBytes(hostCapacity) + ")";
            }
        } else {
            last.bytesToSsd += recording ? bytes : 0;
        }
        send(x);
    }

    /** Issues the instance of prefetch entry e that is due in iteration {@code dueIter}. */
    private void issuePrefetch(int e, int dueIter) {
        int t = entries.slot[e];
        if (!tensors.offloadedOrOffloading(t) || tensors.inX[t] >= 0) {
            skipped();
            entries.doneIter[e] = Math.max(entries.doneIter[e], dueIter);
            return;
        }
        int x = transfers.add(t, e, false, tensors.loc[t], entries.urgent[e], dueIter,
                (long) dueIter * n + entries.deadline[e], ++shared.issueSeq);
        entries.transfer[e] = x;
        startPrefetch(t, x);
    }

    /** A needed tensor that no entry brings back: fetched at once, urgently, as the runtime does. */
    private void demandFetch(int t) {
        int x = transfers.add(t, -1, false, tensors.loc[t], true, iter, opGlobal, ++shared.issueSeq);
        if (last.recording) {
            last.demandFetches++;
        }
        startPrefetch(t, x);
    }

    private void startPrefetch(int t, int x) {
        tensors.inX[t] = x;
        if (last.recording) {
            if (tensors.loc[t] == HOST) {
                last.bytesFromHost += w.bytes(t);
            } else {
                last.bytesFromSsd += w.bytes(t);
            }
        }
        if (tensors.state[t] == OFFLOADED) {
            tensors.state[t] = PREFETCHING;
            moved(t, TensorMoves.PREFETCHING);
            waitForMemory(x);
        } else {
            transfers.state[x] = Transfers.WAIT_OFFLOAD;
        }
    }

    private void skipped() {
        if (last.recording) {
            last.skippedEntries++;
        }
    }

    /**
     * Frees a tensor at its freeing op (or the iteration's end). A transfer in flight is
     * dropped: the memory it holds is released when it completes, or when its queue reaches it.
     */
    private void free(int t) {
        long bytes = w.bytes(t);
        byte state = tensors.state[t];
        if (state != RESIDENT && state != ABSENT) {
            moved(t, TensorMoves.FREED);
        }
        switch (state) {
            case RESIDENT -> changeUsed(-bytes);
            case OFFLOADED -> {
                if (tensors.loc[t] == HOST) {
                    changeHost(-bytes);
                }
            }
            case OFFLOADING, PREFETCHING -> {
                if (tensors.loc[t] == HOST) {
                    changeHost(-bytes);
                }
                if (tensors.outX[t] >= 0) {
                    transfers.dropped[tensors.outX[t]] = true;
                }
                int y = tensors.inX[t];
                if (y >= 0) {
                    finishEntry(y);
                    if (transfers.state[y] == Transfers.WAIT_OFFLOAD) {
                        transfers.release(y);
                    } else {
                        transfers.dropped[y] = true;
                    }
                }
            }
            default -> {
            }
        }
        tensors.free(t);
    }

    private void finishEntry(int x) {
        int e = transfers.entry[x];
        if (e >= 0) {
            entries.doneIter[e] = Math.max(entries.doneIter[e], transfers.dueIter[x]);
        }
    }

    /** Transfer x has moved its bytes: its tensor is offloaded (and its prefetch may wait for memory) or resident. */
    void complete(int x) {
        moving--;
        Transfers xs = transfers;
        int t = xs.slot[x];
        long bytes = w.bytes(t);
        if (xs.offload[x]) {
            changeUsed(-bytes);
            if (!xs.dropped[x]) {
                tensors.state[t] = OFFLOADED;
                tensors.outX[t] = -1;
                moved(t, TensorMoves.OFFLOADED);
                int y = tensors.inX[t];
                if (y >= 0) {
                    tensors.state[t] = PREFETCHING;
                    moved(t, TensorMoves.PREFETCHING);
                    waitForMemory(y);
                }
            }
        } else if (xs.dropped[x]) {
            changeUsed(-bytes);
        } else {
            tensors.state[t] = RESIDENT;
            tensors.inX[t] = -1;
            moved(t, TensorMoves.RESIDENT);
            if (xs.ssd[x] == HOST) {
                changeHost(-bytes);
            }
            finishEntry(x);
        }
        xs.release(x);
    }

    /** Notes, in the last iteration, that tensor t changed place (TensorMoves). */
    private void moved(int t, byte to) {
        if (last.recording) {
            last.moved(t, to, tensors.loc[t], now - iterStartNs);
        }
    }

    // ---------------------------------------------------------------- memory

    /** Queues a prefetch for its reservation, which it gets at once if nothing earlier waits and it fits. */
    private void waitForMemory(int x) {
        transfers.state[x] = Transfers.WAIT_MEMORY;
        memoryQueue.push(transfers.due[x], transfers.seq[x], x);
        grantMemory();
    }

    /**
     * Grants reservations in deadline order, the earliest first, and stops at the first that
     * does not fit (no overtaking). A reservation due after the reached op must also leave room
     * for that op's allocations.
     */
    private void grantMemory() {
        Transfers xs = transfers;
        long capacity = hardware.memoryBytes();
        while (!memoryQueue.isEmpty()) {
            int x = memoryQueue.peekValue();
            if (xs.dropped[x]) {
                memoryQueue.pop();
                xs.release(x);
                continue;
            }
            long headroom = phase == Phase.REACHED && xs.due[x] > opGlobal ? pendingAllocBytes : 0;
            long bytes = w.bytes(xs.slot[x]);
            if (used + headroom + bytes > capacity) {
                return;
            }
            memoryQueue.pop();
            changeUsed(bytes);
            send(x);
        }
    }

    void changeUsed(long delta) {
        used += delta;
        if (last.recording) {
            last.deviceBytes(now - iterStartNs, used);
        }
    }

    private void changeHost(long delta) {
        shared.hostUsed += delta;
        if (last.recording) {
            last.hostBytes(shared.hostUsed);
        }
    }

    // ---------------------------------------------------------------- transfers

    /** Transfer x moves: on the engine's lanes, or over its SSD's channel or straight to or from host memory. */
    private void send(int x) {
        int ssd = transfers.ssd[x];
        if (shared.lanes != null) {
            shared.lanes.enqueue(this, ssd == HOST ? hostLane() : ssd, x);
        } else if (ssd == HOST) {
            links.startHostFlow(x);
        } else {
            channels.enqueue(x);
        }
    }

    /** This device's host tier lane. */
    int hostLane() {
        return shared.ssds + device;
    }

    /** Link l's rates changed: {@code ssdRate} from or to SSDs, {@code totalRate} in all. */
    void linkRates(int l, double ssdRate, double totalRate) {
        linkSsdRate[l] = ssdRate;
        linkTotalRate[l] = totalRate;
        if (last.recording) {
            last.linkRates(now - iterStartNs, l, ssdRate, totalRate);
        }
    }

    /** Whole nanoseconds to move {@code bytes} at {@code rate} bytes/ns, rounded up past float noise. */
    static long nanosFor(double bytes, double rate) {
        if (bytes <= 0) {
            return 0;
        }
        double ns = bytes / rate;
        return Math.max(0, (long) Math.ceil(ns - 1e-6 - ns * 1e-12));
    }

    void schedule(long at, int type, int id) {
        events.schedule(at, type, id);
    }

    private void handle(int event) {
        int id = EventQueue.id(event);
        switch (EventQueue.type(event)) {
            case EventQueue.OP_END -> opEnded = true;
            case EventQueue.LATENCY_END -> channels.latencyEnded(id);
            case EventQueue.FLOW_END -> links.flowEnded(id, channels);
            case EventQueue.HOST_FLOW_END -> links.hostFlowEnded(id);
            case EventQueue.TASK -> shared.lanes.taskEvent(id, now);
            default -> {
                // ISSUED: the stream may start the op now; afterBatch tries
            }
        }
    }

    // ---------------------------------------------------------------- result

    SimulationResult result() {
        return last.result(w, iterationNs, phase == Phase.DONE ? iterations : iter, outOfMemory);
    }
}
