package io.teraio.planner.sim;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.engine.LaneStats;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.Prediction;
import io.teraio.core.plan.StartState;
import io.teraio.planner.EntryReferences;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of the simulator: the state of the compute stream, the tensors, the transfers, the
 * SSD channels and the PCIe links (or, with a {@link LaneModel}, the engine's lanes and their
 * tasks), advanced event by event. Everything lives in primitive
 * arrays indexed by op, tensor slot, entry or transfer id; transfer ids are recycled, so a
 * simulation allocates nothing per event once its arrays have grown. The model is described in
 * docs/simulator.md; this class is its only implementation.
 */
final class IterationSim {
    // Tensor states.
    private static final byte ABSENT = 0;
    private static final byte RESIDENT = 1;
    /** Still in device memory, its offload in flight. */
    private static final byte OFFLOADING = 2;
    private static final byte OFFLOADED = 3;
    /** Out of device memory, a prefetch waiting for memory or in flight. */
    private static final byte PREFETCHING = 4;

    // Transfer states.
    private static final byte X_FREE = 0;
    /** A prefetch waiting for the offload of its tensor to complete. */
    private static final byte X_WAIT_OFFLOAD = 1;
    /** A prefetch waiting for its memory reservation. */
    private static final byte X_WAIT_MEMORY = 2;
    /** In an SSD channel's queue. */
    private static final byte X_QUEUED = 3;
    /** Holding its SSD channel, before its first byte moves. */
    private static final byte X_LATENCY = 4;
    /** Moving bytes over the PCIe link. */
    private static final byte X_DATA = 5;

    private static final int EV_OP_END = 0;
    private static final int EV_LATENCY_END = 1;
    private static final int EV_FLOW_END = 2;
    private static final int EV_HOST_FLOW_END = 3;
    /** A task on a lane (engine model) ends its latency or its bytes. */
    private static final int EV_TASK = 4;
    /** The compute stream has issued the reached op's entries (engine model: their overhead is over). */
    private static final int EV_ISSUED = 5;

    /** PCIe link directions: towards the device (prefetches), towards the host (offloads). */
    private static final int TO_DEVICE = 0;
    private static final int TO_HOST = 1;
    /** The storage location of a tensor kept in host memory. */
    private static final int HOST = -1;

    private static final int PREFETCH = 0;
    private static final int MEMORY = 1;
    private static final String[] CAUSES = {Simulator.WAITING_FOR_PREFETCH, Simulator.WAITING_FOR_MEMORY};

    private static final int RUNNING = 0;
    private static final int REACHED = 1;
    private static final int DONE = 2;
    /** In a joint simulation: the iteration ended, waiting for the other devices to end theirs. */
    private static final int BARRIER = 3;

    private static final int TOP_STALLS = 10;
    /** How a joint simulation's {@code outOfMemory} starts on a device stopped because another ran out of memory. */
    static final String STOPPED = "stopped at ";

    private final Workload w;
    private final int n;
    private final long capacityBytes;
    private final double pcieBytesPerNs;
    private final double[] ssdReadBytesPerNs;
    private final double[] ssdWriteBytesPerNs;
    private final long[] ssdLatencyNs;
    private final long hostCapacityBytes;
    private final List<PlanEntry> entries;
    private final int iterations;
    private final int points;
    /** The SSD channels, the issue order and the host memory, shared with the other devices of a joint simulation. */
    private final Shared shared;
    /** This simulation's index among {@link Shared#sims}. */
    private final int device;
    /** Whether other devices share the simulation: iterations end at a barrier. */
    private final boolean joint;

    // Plan entries.
    private final int[] eSlot;
    private final int[] eSsd;
    private final int[] eDeadline;
    private final boolean[] eOffload;
    private final boolean[] eUrgent;
    private final boolean[] eWrap;
    /** Entries by issue op (CSR): issueOrder[issueStart[k] .. issueStart[k + 1]), in list order. */
    private final int[] issueStart;
    private final int[] issueOrder;
    /** Prefetch entries by deadline op (CSR). */
    private final int[] dueStart;
    private final int[] dueOrder;
    /** The latest iteration whose instance of the entry has completed (or did not apply). */
    private final int[] doneIter;
    /** The transfer of the entry's latest instance, or -1. */
    private final int[] entryTransfer;

    // Tensors, by slot.
    private final byte[] state;
    /** Where an offloaded tensor is kept: an SSD id or HOST. */
    private final int[] loc;
    private final int[] outX;
    private final int[] inX;
    /** Resident from the start but freed within the iteration: allocated again before op 0 of later iterations. */
    private final int[] inherited;
    /** Allocated within the iteration and never freed: freed at its end. */
    private final int[] freedAtEnd;

    // Transfers, by recycled id.
    private int xCapacity = 256;
    private int xCount;
    private int[] xSlot = new int[xCapacity];
    private int[] xEntry = new int[xCapacity];
    private int[] xDueIter = new int[xCapacity];
    private int[] xSsd = new int[xCapacity];
    private boolean[] xOffload = new boolean[xCapacity];
    private boolean[] xDropped = new boolean[xCapacity];
    private byte[] xState = new byte[xCapacity];
    private long[] xSeq = new long[xCapacity];
    private long[] xDue = new long[xCapacity];
    private long[] xUrgency = new long[xCapacity];
    private long[] xFinishAt = new long[xCapacity];
    private double[] xMoved = new double[xCapacity];
    private double[] xRate = new double[xCapacity];
    /** Engine model: the transfer's tasks, those started and those in flight. */
    private int[] xTasksTotal = new int[xCapacity];
    private int[] xTasksStarted = new int[xCapacity];
    private int[] xTasksRunning = new int[xCapacity];
    private int[] freeIds = new int[xCapacity];
    private int freeIdCount;
    /** Transfers holding a channel or moving bytes: while none are, only the compute stream makes progress. */
    private int moving;
    /** Transfers of this device queued on an SSD channel that another device's transfer holds. */
    private int queued;

    // PCIe links, by direction.
    private final int[][] linkFlows;
    private final int[] linkFlowCount = new int[2];
    private final MinHeap[] hostFlows = {new MinHeap(), new MinHeap()};
    private final double[] hostService = new double[2];
    private final double[] hostRate = new double[2];
    private final long[] hostFinishAt = {-1, -1};
    private final long[] linkAdvancedNs = new long[2];
    private final double[] linkSsdRate = new double[2];
    private final double[] linkTotalRate = new double[2];

    private final MinHeap memoryQueue = new MinHeap();
    private final MinHeap events = new MinHeap();
    private long eventSeq;

    // Compute stream.
    private long now;
    private int iter;
    private int op;
    private int phase;
    private boolean opEnded;
    private long opGlobal;
    private long reachedNs;
    /** When the compute stream is done issuing the reached op's entries ({@link LaneModel#migrationNs} each). */
    private long issuedNs;
    /** The last iteration's time spent issuing entries. */
    private long overheadNs;
    private long pendingAllocBytes;
    private int waitCause = -1;
    private long waitSinceNs;
    private final long[] opWaitNs = new long[2];
    private long iterStartNs;
    private final long[] iterationNs;
    private String outOfMemory;

    // Memory (host memory is the shared one's).
    private long used;

    // Statistics of the last iteration.
    private boolean recording;
    private long peakBytes;
    private long peakHostBytes;
    private final long[] stallNs = new long[2];
    private int stalledOps;
    private final int[] topOp = new int[TOP_STALLS];
    private final long[] topNs = new long[TOP_STALLS];
    private final int[] topCause = new int[TOP_STALLS];
    private int topCount;
    private long bytesToSsd;
    private long bytesFromSsd;
    private long bytesToHost;
    private long bytesFromHost;
    private int demandFetches;
    private int skippedEntries;
    private String hostViolation;
    private SeriesBuilder deviceSeries;
    private SeriesBuilder ssdReadSeries;
    private SeriesBuilder ssdWriteSeries;
    private SeriesBuilder toDeviceSeries;
    private SeriesBuilder toHostSeries;
    /** When each op of the last iteration started, from the iteration's start. */
    private long[] opStartNs;
    /** The last iteration's changes of place (TensorMoves), growing. */
    private int moveCount;
    private int[] moveTensor = new int[64];
    private long[] moveNs = new long[64];
    private byte[] moveState = new byte[64];
    private int[] movePlace = new int[64];
    private Timelines timelines = Timelines.EMPTY;
    /** Each lane's bytes and busy time when the last iteration started (the SSDs, then this device's host lane). */
    private long[] laneReadAtStart;
    private long[] laneWrittenAtStart;
    private long[] laneBusyAtStart;
    private List<LaneStats> laneStats = List.of();

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
        this.capacityBytes = hardware.memoryBytes();
        this.pcieBytesPerNs = hardware.pcieBytesPerNs();
        this.ssdReadBytesPerNs = hardware.ssdReadBytesPerNs();
        this.ssdWriteBytesPerNs = hardware.ssdWriteBytesPerNs();
        this.ssdLatencyNs = hardware.ssdLatencyNs();
        this.hostCapacityBytes = hardware.hostMemoryBytes();
        this.entries = entries;
        this.iterations = options.iterations();
        this.points = options.timelinePoints();
        this.iterationNs = new long[iterations];

        int m = entries.size();
        eSlot = new int[m];
        eSsd = new int[m];
        eDeadline = new int[m];
        eOffload = new boolean[m];
        eUrgent = new boolean[m];
        eWrap = new boolean[m];
        int[] issue = new int[m];
        for (int i = 0; i < m; i++) {
            PlanEntry e = entries.get(i);
            String problem = EntryReferences.problem(w, ssdReadBytesPerNs.length, e);
            if (problem != null) {
                throw new TeraioException(EntryReferences.describe(i, e) + ": " + problem);
            }
            eSlot[i] = w.trace().slotOf(e.tensor());
            eSsd[i] = e.target() == PlanTarget.HOST ? HOST : e.ssd();
            issue[i] = e.issueAtOp();
            eDeadline[i] = e.deadlineOp();
            eOffload[i] = e.action() == PlanAction.OFFLOAD;
            eUrgent[i] = e.urgent();
            eWrap[i] = !eOffload[i] && e.issueAtOp() > e.deadlineOp();
        }
        issueStart = new int[n + 1];
        issueOrder = bucketByOp(issue, null, issueStart);
        dueStart = new int[n + 1];
        dueOrder = bucketByOp(eDeadline, eOffload, dueStart);
        doneIter = new int[m];
        Arrays.fill(doneIter, -1);
        entryTransfer = new int[m];
        Arrays.fill(entryTransfer, -1);

        int tensors = w.tensorCount();
        state = new byte[tensors];
        loc = new int[tensors];
        outX = new int[tensors];
        inX = new int[tensors];
        Arrays.fill(outX, -1);
        Arrays.fill(inX, -1);
        int inheritedCount = 0;
        int freedAtEndCount = 0;
        for (int t = 0; t < tensors; t++) {
            if (w.inIteration(t) && w.allocOp(t) == -1 && w.freeOp(t) < n) {
                inheritedCount++;
            } else if (w.inIteration(t) && w.allocOp(t) >= 0 && w.freeOp(t) == n) {
                freedAtEndCount++;
            }
        }
        inherited = new int[inheritedCount];
        freedAtEnd = new int[freedAtEndCount];
        inheritedCount = 0;
        freedAtEndCount = 0;
        for (int t = 0; t < tensors; t++) {
            if (w.inIteration(t) && w.allocOp(t) == -1 && w.freeOp(t) < n) {
                inherited[inheritedCount++] = t;
            } else if (w.inIteration(t) && w.allocOp(t) >= 0 && w.freeOp(t) == n) {
                freedAtEnd[freedAtEndCount++] = t;
            }
        }

        int ssds = ssdReadBytesPerNs.length;
        linkFlows = new int[][] {new int[ssds], new int[ssds]};
    }

    /** Stable bucketing of entries by an op index (skipping those where {@code skip} is true). */
    private int[] bucketByOp(int[] opOf, boolean[] skip, int[] start) {
        int count = 0;
        for (int i = 0; i < opOf.length; i++) {
            if (skip == null || !skip[i]) {
                start[opOf[i] + 1]++;
                count++;
            }
        }
        for (int k = 0; k < n; k++) {
            start[k + 1] += start[k];
        }
        int[] order = new int[count];
        int[] fill = Arrays.copyOf(start, n);
        for (int i = 0; i < opOf.length; i++) {
            if (skip == null || !skip[i]) {
                order[fill[opOf[i]]++] = i;
            }
        }
        return order;
    }

    SimulationResult run() {
        if (!start()) {
            return result();
        }
        afterBatch();
        while (phase != DONE && outOfMemory == null) {
            if (events.isEmpty()) {
                throw new IllegalStateException("simulator: no events left at op " + op + " of iteration " + iter);
            }
            long t = events.peekFirst();
            now = t;
            while (!events.isEmpty() && events.peekFirst() == t) {
                handle(events.pop());
            }
            afterBatch();
        }
        return result();
    }

    /** Sets up the start state and reaches op 0; false if the start state does not fit the device. */
    private boolean start() {
        initialState();
        if (used > capacityBytes) {
            outOfMemory = "out of memory at the start of iteration 0: the tensors resident across the iteration"
                    + " boundary take " + Units.formatBytes(used) + ", more than the device's "
                    + Units.formatBytes(capacityBytes);
            return false;
        }
        issueColdStartPrefetches();
        beginIteration(0);
        reach(0);
        return true;
    }

    /**
     * Simulates the devices of {@code shared} together on one clock: each runs its own iterations
     * over its own PCIe link and memory, their transfers queue on the shared SSD channels in
     * one issue order, their host memory is one, and every iteration but the last ends at a
     * barrier: the next starts on every device once all have ended the previous one
     * (synchronous training).
     *
     * @return each device's result, in device order
     */
    static List<SimulationResult> runJoint(Shared shared) {
        IterationSim[] rs = shared.sims;
        boolean fits = true;
        for (IterationSim r : rs) {
            r.initialState();
        }
        for (IterationSim r : rs) {
            if (r.used > r.capacityBytes) {
                r.outOfMemory = "out of memory at the start of iteration 0: the tensors resident across the"
                        + " iteration boundary take " + Units.formatBytes(r.used) + ", more than the device's "
                        + Units.formatBytes(r.capacityBytes);
                fits = false;
            }
        }
        if (fits) {
            for (IterationSim r : rs) {
                r.issueColdStartPrefetches();
                r.beginIteration(0);
                r.reach(0);
            }
            jointAfterBatch(rs);
        }
        while (fits && !allDone(rs) && noneOutOfMemory(rs)) {
            long t = Long.MAX_VALUE;
            for (IterationSim r : rs) {
                if (!r.events.isEmpty()) {
                    t = Math.min(t, r.events.peekFirst());
                }
            }
            if (t == Long.MAX_VALUE) {
                throw new IllegalStateException("simulator: no events left on any device");
            }
            for (IterationSim r : rs) {
                r.now = t;
            }
            boolean handled = true;
            while (handled) {
                handled = false;
                for (IterationSim r : rs) {
                    while (!r.events.isEmpty() && r.events.peekFirst() == t) {
                        r.handle(r.events.pop());
                        handled = true;
                    }
                }
            }
            jointAfterBatch(rs);
        }
        String cause = null;
        for (int d = 0; d < rs.length && cause == null; d++) {
            cause = rs[d].outOfMemory == null ? null : "device " + d;
        }
        List<SimulationResult> results = new ArrayList<>(rs.length);
        for (IterationSim r : rs) {
            if (cause != null && r.outOfMemory == null && r.phase != DONE) {
                r.outOfMemory = STOPPED + "op " + r.op + " (" + r.w.opName(r.op) + ") in iteration " + r.iter
                        + ": " + cause + " ran out of memory";
            }
            results.add(r.result());
        }
        return results;
    }

    /** Ends the ops that ended, releases the barrier once every device reached it, then lets each go on. */
    private static void jointAfterBatch(IterationSim[] rs) {
        for (IterationSim r : rs) {
            if (r.opEnded) {
                r.opEnded = false;
                r.endOp();
            }
        }
        boolean barrier = true;
        for (IterationSim r : rs) {
            barrier &= r.phase == BARRIER;
        }
        if (barrier) {
            for (IterationSim r : rs) {
                r.beginIteration(r.iter + 1);
                r.reach(0);
            }
        }
        for (IterationSim r : rs) {
            if (r.phase != DONE) {
                r.goOn();
            }
        }
    }

    private static boolean allDone(IterationSim[] rs) {
        for (IterationSim r : rs) {
            if (r.phase != DONE) {
                return false;
            }
        }
        return true;
    }

    private static boolean noneOutOfMemory(IterationSim[] rs) {
        for (IterationSim r : rs) {
            if (r.outOfMemory != null) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- state at the start

    /**
     * Tensors resident from the start are resident, except those the plan keeps offloaded
     * across the iteration boundary ({@link StartState}, the rule the plan runtime applies
     * too): they start on their offload's target, and the wrapping prefetch of such a tensor
     * is issued at time 0 (its copy from iteration -1).
     */
    private void initialState() {
        for (int e = 0; e < eWrap.length; e++) {
            if (eWrap[e]) {
                doneIter[e] = 0; // the cold start issues only the kept-offloaded tensors' closing prefetches
            }
        }
        for (StartState.Kept kept : StartState.of(entries).kept()) {
            int t = w.trace().slotOf(kept.tensor());
            if (!w.inIteration(t) || !w.wraps(t)) {
                continue;
            }
            state[t] = OFFLOADED;
            loc[t] = eSsd[kept.location()];
            if (loc[t] == HOST) {
                shared.hostUsed += w.bytes(t);
            }
            if (kept.wrappingPrefetch() >= 0) {
                doneIter[kept.wrappingPrefetch()] = -1;
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
        for (int e : issueOrder) {
            if (eWrap[e] && doneIter[e] == -1) {
                issuePrefetch(e, 0);
            }
        }
    }

    // ---------------------------------------------------------------- compute stream

    private void beginIteration(int i) {
        iter = i;
        iterStartNs = now;
        if (i == iterations - 1) {
            recording = true;
            peakBytes = used;
            peakHostBytes = shared.hostUsed;
            if (shared.hostUsed > hostCapacityBytes) {
                hostViolation = "host memory holds " + Units.formatBytes(shared.hostUsed) + " of offloaded tensors at the"
                        + " start of the iteration, more than the hardware's hostMemoryBytes ("
                        + Units.formatBytes(hostCapacityBytes) + ")";
            }
            long expected = i > 0 ? iterationNs[i - 1] : w.idealNs();
            deviceSeries = new SeriesBuilder(points, expected, true, used);
            ssdReadSeries = new SeriesBuilder(points, expected, false, linkSsdRate[TO_DEVICE] * 1e9);
            ssdWriteSeries = new SeriesBuilder(points, expected, false, linkSsdRate[TO_HOST] * 1e9);
            toDeviceSeries = new SeriesBuilder(points, expected, false, linkTotalRate[TO_DEVICE] * 1e9);
            toHostSeries = new SeriesBuilder(points, expected, false, linkTotalRate[TO_HOST] * 1e9);
            opStartNs = new long[n];
            snapshotLanes();
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
        phase = REACHED;
        opGlobal = (long) iter * n + k;
        reachedNs = now;
        waitCause = -1;
        opWaitNs[PREFETCH] = 0;
        opWaitNs[MEMORY] = 0;
        long alloc = 0;
        for (int t : w.needs(k)) {
            if (state[t] == ABSENT) {
                alloc += w.bytes(t);
            }
        }
        if (k == 0 && iter > 0) {
            for (int t : inherited) {
                if (state[t] == ABSENT) {
                    alloc += w.bytes(t);
                }
            }
        }
        pendingAllocBytes = alloc;
        for (int j = issueStart[k]; j < issueStart[k + 1]; j++) {
            int e = issueOrder[j];
            if (eOffload[e]) {
                issueOffload(e);
            } else {
                issuePrefetch(e, eWrap[e] ? iter + 1 : iter);
            }
        }
        long issuing = shared.model == null ? 0 : shared.model.migrationNs * (issueStart[k + 1] - issueStart[k]);
        issuedNs = now + issuing;
        if (issuing > 0) {
            schedule(issuedNs, EV_ISSUED, 0);
            if (recording) {
                overheadNs += issuing;
            }
        }
    }

    private void afterBatch() {
        if (opEnded) {
            opEnded = false;
            endOp();
            if (phase == DONE) {
                return;
            }
        }
        goOn();
    }

    /** Grants what memory allows and starts the reached op if it can; notes a device that can go on no more. */
    private void goOn() {
        grantMemory();
        if (phase == REACHED) {
            tryStart();
            if (phase == REACHED && moving == 0 && queued == 0 && now >= issuedNs) {
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
        boolean fetched = false;
        for (int t : needs) {
            if ((state[t] == OFFLOADED || state[t] == OFFLOADING) && inX[t] < 0) {
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
                if (xState[inX[t]] == X_WAIT_MEMORY) {
                    waitMemory = true;
                } else {
                    waitPrefetch = true;
                }
            }
        }
        boolean inheriting = k == 0 && iter > 0;
        if (inheriting) {
            for (int t : inherited) {
                if (state[t] == ABSENT) {
                    alloc += w.bytes(t);
                }
            }
        }
        for (int j = dueStart[k]; j < dueStart[k + 1]; j++) {
            int e = dueOrder[j];
            if (doneIter[e] >= iter) {
                continue;
            }
            int x = entryTransfer[e];
            if (x < 0 || xEntry[x] != e || xState[x] == X_FREE) {
                doneIter[e] = iter; // never issued for this iteration: nothing to wait for
            } else if (xState[x] == X_WAIT_MEMORY) {
                waitMemory = true;
            } else {
                waitPrefetch = true;
            }
        }
        pendingAllocBytes = alloc;
        int cause = waitPrefetch ? PREFETCH : waitMemory || used + alloc > capacityBytes ? MEMORY : -1;
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
            for (int t : inherited) {
                if (state[t] == ABSENT) {
                    state[t] = RESIDENT;
                }
            }
        }
        pendingAllocBytes = 0;
        changeUsed(alloc);
        long stall = now - issuedNs;
        if (recording && stall > 0) {
            stallNs[PREFETCH] += opWaitNs[PREFETCH];
            stallNs[MEMORY] += opWaitNs[MEMORY];
            stalledOps++;
            noteStall(k, stall, opWaitNs[PREFETCH] >= opWaitNs[MEMORY] ? PREFETCH : MEMORY);
        }
        if (recording) {
            opStartNs[k] = now - iterStartNs;
        }
        phase = RUNNING;
        schedule(now + w.durationNs(k), EV_OP_END, 0);
    }

    private void endOp() {
        if (op == n - 1 && iter == iterations - 1) {
            phase = DONE;
            long end = now - iterStartNs;
            iterationNs[iter] = end;
            timelines = new Timelines(deviceSeries.finish(end), ssdReadSeries.finish(end), ssdWriteSeries.finish(end),
                    toDeviceSeries.finish(end), toHostSeries.finish(end), opStartNs,
                    new TensorMoves(Arrays.copyOf(moveTensor, moveCount), Arrays.copyOf(moveNs, moveCount),
                            Arrays.copyOf(moveState, moveCount), Arrays.copyOf(movePlace, moveCount)));
            laneStats = lanesSinceSnapshot();
            recording = false; // in a joint simulation its transfers in flight go on while other devices finish
            return;
        }
        for (int t : w.frees(op)) {
            free(t);
        }
        if (op < n - 1) {
            reach(op + 1);
            return;
        }
        for (int t : freedAtEnd) {
            free(t);
        }
        iterationNs[iter] = now - iterStartNs;
        if (joint) {
            phase = BARRIER;
            return;
        }
        beginIteration(iter + 1);
        reach(0);
    }

    /** Keeps the longest stalls, longest first, the earlier op first among equals. */
    private void noteStall(int k, long ns, int cause) {
        int i;
        if (topCount < TOP_STALLS) {
            i = topCount++;
        } else if (topNs[TOP_STALLS - 1] >= ns) {
            return;
        } else {
            i = TOP_STALLS - 1;
        }
        while (i > 0 && topNs[i - 1] < ns) {
            topOp[i] = topOp[i - 1];
            topNs[i] = topNs[i - 1];
            topCause[i] = topCause[i - 1];
            i--;
        }
        topOp[i] = k;
        topNs[i] = ns;
        topCause[i] = cause;
    }

    private String describeOutOfMemory() {
        long need = pendingAllocBytes;
        for (int t : w.needs(op)) {
            if (state[t] == PREFETCHING && xState[inX[t]] == X_WAIT_MEMORY) {
                need += w.bytes(t);
            }
        }
        if (need == 0 && !memoryQueue.isEmpty()) {
            need = w.bytes(xSlot[memoryQueue.peekValue()]);
        }
        return "out of memory at op " + op + " (" + w.opName(op) + ") in iteration " + iter
                + ": its allocations and prefetches need " + Units.formatBytes(need) + ", only "
                + Units.formatBytes(capacityBytes - used) + " of the device's " + Units.formatBytes(capacityBytes)
                + " is free, and no migration in flight can free more";
    }

    // ---------------------------------------------------------------- plan entries

    private void issueOffload(int e) {
        int t = eSlot[e];
        if (state[t] != RESIDENT) {
            skipped();
            return;
        }
        int ssd = eSsd[e];
        int x = newTransfer(t, e, true, ssd, eUrgent[e], iter, opGlobal);
        state[t] = OFFLOADING;
        outX[t] = x;
        loc[t] = ssd;
        moved(t, TensorMoves.OFFLOADING);
        long bytes = w.bytes(t);
        if (ssd == HOST) {
            bytesToHost += recording ? bytes : 0;
            changeHost(bytes);
            if (shared.hostUsed > hostCapacityBytes && recording && hostViolation == null) {
                hostViolation = (joint ? "device " + device + ": " : "") + EntryReferences.describe(e, entries.get(e))
                        + " puts " + Units.formatBytes(shared.hostUsed)
                        + " in host memory at op " + op + ", more than the hardware's hostMemoryBytes ("
                        + Units.formatBytes(hostCapacityBytes) + ")";
            }
            startHostFlow(x);
        } else {
            bytesToSsd += recording ? bytes : 0;
            enqueueOnChannel(x);
        }
    }

    /** Issues the instance of prefetch entry e that is due in iteration {@code dueIter}. */
    private void issuePrefetch(int e, int dueIter) {
        int t = eSlot[e];
        if ((state[t] != OFFLOADED && state[t] != OFFLOADING) || inX[t] >= 0) {
            skipped();
            doneIter[e] = Math.max(doneIter[e], dueIter);
            return;
        }
        int x = newTransfer(t, e, false, loc[t], eUrgent[e], dueIter, (long) dueIter * n + eDeadline[e]);
        entryTransfer[e] = x;
        startPrefetch(t, x);
    }

    /** A needed tensor that no entry brings back: fetched at once, urgently, as the runtime does. */
    private void demandFetch(int t) {
        int x = newTransfer(t, -1, false, loc[t], true, iter, opGlobal);
        if (recording) {
            demandFetches++;
        }
        startPrefetch(t, x);
    }

    private void startPrefetch(int t, int x) {
        inX[t] = x;
        if (recording) {
            if (loc[t] == HOST) {
                bytesFromHost += w.bytes(t);
            } else {
                bytesFromSsd += w.bytes(t);
            }
        }
        if (state[t] == OFFLOADED) {
            state[t] = PREFETCHING;
            moved(t, TensorMoves.PREFETCHING);
            waitForMemory(x);
        } else {
            xState[x] = X_WAIT_OFFLOAD;
        }
    }

    private void skipped() {
        if (recording) {
            skippedEntries++;
        }
    }

    /**
     * Frees a tensor at its freeing op (or the iteration's end). A transfer in flight is
     * dropped: the memory it holds is released when it completes, or when its queue reaches it.
     */
    private void free(int t) {
        long bytes = w.bytes(t);
        if (state[t] != RESIDENT && state[t] != ABSENT) {
            moved(t, TensorMoves.FREED);
        }
        switch (state[t]) {
            case RESIDENT -> changeUsed(-bytes);
            case OFFLOADED -> {
                if (loc[t] == HOST) {
                    changeHost(-bytes);
                }
            }
            case OFFLOADING, PREFETCHING -> {
                if (loc[t] == HOST) {
                    changeHost(-bytes);
                }
                if (outX[t] >= 0) {
                    xDropped[outX[t]] = true;
                }
                int y = inX[t];
                if (y >= 0) {
                    finishEntry(y);
                    if (xState[y] == X_WAIT_OFFLOAD) {
                        release(y);
                    } else {
                        xDropped[y] = true;
                    }
                }
            }
            default -> {
            }
        }
        state[t] = ABSENT;
        outX[t] = -1;
        inX[t] = -1;
    }

    private void finishEntry(int x) {
        int e = xEntry[x];
        if (e >= 0) {
            doneIter[e] = Math.max(doneIter[e], xDueIter[x]);
        }
    }

    // ---------------------------------------------------------------- memory

    /** Queues a prefetch for its reservation, which it gets at once if nothing earlier waits and it fits. */
    private void waitForMemory(int x) {
        xState[x] = X_WAIT_MEMORY;
        memoryQueue.push(xDue[x], xSeq[x], x);
        grantMemory();
    }

    /**
     * Grants reservations in deadline order, the earliest first, and stops at the first that
     * does not fit (no overtaking). A reservation due after the reached op must also leave room
     * for that op's allocations.
     */
    private void grantMemory() {
        while (!memoryQueue.isEmpty()) {
            int x = memoryQueue.peekValue();
            if (xDropped[x]) {
                memoryQueue.pop();
                release(x);
                continue;
            }
            long headroom = phase == REACHED && xDue[x] > opGlobal ? pendingAllocBytes : 0;
            long bytes = w.bytes(xSlot[x]);
            if (used + headroom + bytes > capacityBytes) {
                return;
            }
            memoryQueue.pop();
            changeUsed(bytes);
            if (xSsd[x] == HOST) {
                startHostFlow(x);
            } else {
                enqueueOnChannel(x);
            }
        }
    }

    private void changeUsed(long delta) {
        used += delta;
        if (recording) {
            peakBytes = Math.max(peakBytes, used);
            deviceSeries.set(now - iterStartNs, used);
        }
    }

    private void changeHost(long delta) {
        shared.hostUsed += delta;
        if (recording) {
            peakHostBytes = Math.max(peakHostBytes, shared.hostUsed);
        }
    }

    // ---------------------------------------------------------------- transfers

    private int newTransfer(int slot, int entry, boolean offload, int ssd, boolean urgent, int dueIter, long due) {
        int x;
        if (freeIdCount > 0) {
            x = freeIds[--freeIdCount];
        } else {
            if (xCount == xCapacity) {
                growTransfers();
            }
            x = xCount++;
        }
        xSlot[x] = slot;
        xEntry[x] = entry;
        xOffload[x] = offload;
        xSsd[x] = ssd;
        xUrgency[x] = urgent ? 0 : 1;
        xDueIter[x] = dueIter;
        xDue[x] = due;
        xSeq[x] = ++shared.issueSeq;
        xDropped[x] = false;
        xMoved[x] = 0;
        xRate[x] = 0;
        xFinishAt[x] = -1;
        xState[x] = X_QUEUED;
        return x;
    }

    private void release(int x) {
        xState[x] = X_FREE;
        freeIds[freeIdCount++] = x;
    }

    private void growTransfers() {
        xCapacity *= 2;
        xSlot = Arrays.copyOf(xSlot, xCapacity);
        xEntry = Arrays.copyOf(xEntry, xCapacity);
        xDueIter = Arrays.copyOf(xDueIter, xCapacity);
        xSsd = Arrays.copyOf(xSsd, xCapacity);
        xOffload = Arrays.copyOf(xOffload, xCapacity);
        xDropped = Arrays.copyOf(xDropped, xCapacity);
        xState = Arrays.copyOf(xState, xCapacity);
        xSeq = Arrays.copyOf(xSeq, xCapacity);
        xDue = Arrays.copyOf(xDue, xCapacity);
        xUrgency = Arrays.copyOf(xUrgency, xCapacity);
        xFinishAt = Arrays.copyOf(xFinishAt, xCapacity);
        xMoved = Arrays.copyOf(xMoved, xCapacity);
        xRate = Arrays.copyOf(xRate, xCapacity);
        xTasksTotal = Arrays.copyOf(xTasksTotal, xCapacity);
        xTasksStarted = Arrays.copyOf(xTasksStarted, xCapacity);
        xTasksRunning = Arrays.copyOf(xTasksRunning, xCapacity);
        freeIds = Arrays.copyOf(freeIds, xCapacity);
    }

    private static int channel(int ssd, boolean offload) {
        return 2 * ssd + (offload ? 1 : 0);
    }

    private static int link(boolean offload) {
        return offload ? TO_HOST : TO_DEVICE;
    }

    private void enqueueOnChannel(int x) {
        if (shared.model != null) {
            enqueueOnLane(xSsd[x], x);
            return;
        }
        int c = channel(xSsd[x], xOffload[x]);
        xState[x] = X_QUEUED;
        if (!shared.busy[c]) {
            startOnChannel(c, x);
        } else {
            shared.queue[c].push(xUrgency[x], xSeq[x], x * shared.sims.length + device);
            queued++;
        }
    }

    /** Serves channel c's queue, whichever device each transfer belongs to, until one holds the channel. */
    private void startNextOnChannel(int c) {
        MinHeap queue = shared.queue[c];
        int devices = shared.sims.length;
        while (!shared.busy[c] && !queue.isEmpty()) {
            int v = queue.pop();
            shared.sims[v % devices].startQueued(c, v / devices);
        }
    }

    private void startQueued(int c, int x) {
        queued--;
        if (xDropped[x]) {
            changeUsed(-w.bytes(xSlot[x])); // an offload's source or a prefetch's reservation
            release(x);
        } else {
            startOnChannel(c, x);
        }
    }

    private void startOnChannel(int c, int x) {
        shared.busy[c] = true;
        moving++;
        shared.laneActivity(xSsd[x], 1, now);
        long latency = ssdLatencyNs[xSsd[x]];
        if (latency > 0) {
            xState[x] = X_LATENCY;
            xFinishAt[x] = now + latency;
            schedule(now + latency, EV_LATENCY_END, x);
        } else {
            beginData(x);
        }
    }

    private void beginData(int x) {
        int l = link(xOffload[x]);
        advance(l);
        linkFlows[l][linkFlowCount[l]++] = x;
        xState[x] = X_DATA;
        xMoved[x] = 0;
        xFinishAt[x] = -1; // no completion event scheduled yet
        rerate(l);
    }

    private void startHostFlow(int x) {
        if (shared.model != null) {
            enqueueOnLane(hostLane(), x);
            return;
        }
        shared.laneActivity(hostLane(), 1, now);
        int l = link(xOffload[x]);
        advance(l);
        moving++;
        xState[x] = X_DATA;
        xMoved[x] = hostService[l] + w.bytes(xSlot[x]); // the link's service at which it completes
        hostFlows[l].push(Double.doubleToRawLongBits(xMoved[x]), xSeq[x], x);
        rerate(l);
    }

    /** Moves every flow on link l forward to now at its current rate. */
    private void advance(int l) {
        long dt = now - linkAdvancedNs[l];
        if (dt <= 0) {
            return;
        }
        int[] flows = linkFlows[l];
        for (int i = 0; i < linkFlowCount[l]; i++) {
            xMoved[flows[i]] += xRate[flows[i]] * dt;
        }
        hostService[l] += hostRate[l] * dt;
        linkAdvancedNs[l] = now;
    }

    /**
     * Shares link l max-min fairly: SSD flows in ascending order of their SSD's bandwidth take
     * the smaller of that bandwidth and an equal share of what is left; host flows (no cap of
     * their own) split the rest equally. Schedules the completions at the new rates.
     */
    private void rerate(int l) {
        int[] flows = linkFlows[l];
        int count = linkFlowCount[l];
        for (int i = 1; i < count; i++) {
            int x = flows[i];
            double cap = cap(x);
            int j = i - 1;
            while (j >= 0 && cap(flows[j]) > cap) {
                flows[j + 1] = flows[j];
                j--;
            }
            flows[j + 1] = x;
        }
        int hosts = hostFlows[l].size();
        int sharing = count + hosts;
        double left = pcieBytesPerNs;
        double ssdRate = 0;
        for (int i = 0; i < count; i++) {
            int x = flows[i];
            double rate = Math.min(cap(x), left / sharing);
            sharing--;
            left -= rate;
            ssdRate += rate;
            xRate[x] = rate;
            long finish = now + nanosFor(w.bytes(xSlot[x]) - xMoved[x], rate);
            if (finish != xFinishAt[x]) { // otherwise its pending event still stands
                xFinishAt[x] = finish;
                schedule(finish, EV_FLOW_END, x);
            }
        }
        if (hosts > 0) {
            hostRate[l] = left / hosts;
            double target = Double.longBitsToDouble(hostFlows[l].peekFirst());
            hostFinishAt[l] = now + nanosFor(target - hostService[l], hostRate[l]);
            schedule(hostFinishAt[l], EV_HOST_FLOW_END, l);
        } else {
            hostRate[l] = 0;
            hostFinishAt[l] = -1;
        }
        linkSsdRate[l] = ssdRate;
        linkTotalRate[l] = ssdRate + (hosts > 0 ? left : 0);
        if (recording) {
            long at = now - iterStartNs;
            (l == TO_DEVICE ? ssdReadSeries : ssdWriteSeries).set(at, ssdRate * 1e9);
            (l == TO_DEVICE ? toDeviceSeries : toHostSeries).set(at, linkTotalRate[l] * 1e9);
        }
    }

    // ---------------------------------------------------------------- the engine's lanes (LaneModel)

    /** This device's host tier lane. */
    private int hostLane() {
        return shared.ssds + device;
    }

    /** Queues transfer x on lane l as the engine does: its tasks after those queued before (urgent first). */
    private void enqueueOnLane(int l, int x) {
        long bytes = w.bytes(xSlot[x]);
        long task = shared.model.taskBytes;
        xTasksTotal[x] = (int) Math.max(1, (bytes + task - 1) / task);
        xTasksStarted[x] = 0;
        xTasksRunning[x] = 0;
        xState[x] = X_QUEUED;
        moving++;
        shared.laneQueue[l].push(xUrgency[x], xSeq[x], x * shared.sims.length + device);
        fillLane(l);
        rerateLanes();
    }

    /** Starts tasks on lane l, front of its queue first, until its queue depth is in flight. */
    private void fillLane(int l) {
        Shared sh = shared;
        LaneModel m = sh.model;
        int devices = sh.sims.length;
        advanceLanes();
        MinHeap q = sh.laneQueue[l];
        while (sh.laneTasks[l] < m.depth && !q.isEmpty()) {
            int v = q.peekValue();
            IterationSim r = sh.sims[v % devices];
            int x = v / devices;
            if (r.xDropped[x] && r.xTasksStarted[x] == 0) {
                q.pop(); // its tensor was freed before a task of it started: nothing moves
                r.moving--;
                r.changeUsed(-r.w.bytes(r.xSlot[x])); // an offload's source or a prefetch's reservation
                r.release(x);
                continue;
            }
            int i = r.xTasksStarted[x]++;
            if (r.xTasksStarted[x] == r.xTasksTotal[x]) {
                q.pop();
            }
            r.xTasksRunning[x]++;
            r.xState[x] = X_DATA;
            int slot = l * m.depth;
            while (sh.slotPhase[slot] != Shared.SLOT_FREE) {
                slot++;
            }
            long total = r.w.bytes(r.xSlot[x]);
            long bytes = Math.max(0, Math.min(m.taskBytes, total - i * m.taskBytes));
            sh.slotTransfer[slot] = v;
            sh.slotWrite[slot] = r.xOffload[x];
            sh.slotBytes[slot] = bytes;
            sh.slotLeft[slot] = bytes;
            sh.slotRate[slot] = 0;
            sh.laneTasks[l]++;
            sh.laneActivity(l, 1, now);
            long latency = l < sh.ssds ? m.latencyNs[l] : 0;
            if (latency > 0) {
                sh.slotPhase[slot] = Shared.SLOT_LATENCY;
                sh.slotFinishAt[slot] = now + latency;
                r.schedule(now + latency, EV_TASK, slot);
            } else {
                sh.slotPhase[slot] = Shared.SLOT_DATA;
                sh.slotFinishAt[slot] = -1; // scheduled by rerateLanes
            }
        }
    }

    /** A task's latency ended (it starts moving bytes) or its bytes are in (it completes). */
    private void taskEvent(int slot) {
        Shared sh = shared;
        if (sh.slotPhase[slot] == Shared.SLOT_FREE || sh.slotFinishAt[slot] != now) {
            return; // rescheduled, or ended already
        }
        advanceLanes();
        if (sh.slotPhase[slot] == Shared.SLOT_LATENCY) {
            sh.slotPhase[slot] = Shared.SLOT_DATA;
            sh.slotFinishAt[slot] = -1;
            rerateLanes();
            return;
        }
        int devices = sh.sims.length;
        int l = slot / sh.model.depth;
        int v = sh.slotTransfer[slot];
        IterationSim r = sh.sims[v % devices];
        int x = v / devices;
        sh.slotPhase[slot] = Shared.SLOT_FREE;
        sh.slotTransfer[slot] = -1;
        sh.slotRate[slot] = 0;
        sh.laneTasks[l]--;
        sh.laneActivity(l, -1, now);
        (sh.slotWrite[slot] ? sh.laneBytesWritten : sh.laneBytesRead)[l] += sh.slotBytes[slot];
        if (--r.xTasksRunning[x] == 0 && r.xTasksStarted[x] == r.xTasksTotal[x]) {
            r.complete(x);
        }
        fillLane(l);
        rerateLanes();
    }

    /** Moves every task's bytes forward to now at its current rate. */
    private void advanceLanes() {
        Shared sh = shared;
        long dt = now - sh.advancedNs;
        if (dt <= 0) {
            return;
        }
        for (int slot = 0; slot < sh.slotPhase.length; slot++) {
            if (sh.slotPhase[slot] == Shared.SLOT_DATA) {
                sh.slotLeft[slot] = Math.max(0, sh.slotLeft[slot] - sh.slotRate[slot] * dt);
            }
        }
        sh.advancedNs = now;
    }

    /**
     * Gives every task moving bytes its rate ({@link LaneModel}: its share of its lane, then of its
     * device's PCIe link in its direction) and schedules its completion; updates each recording
     * device's timelines.
     */
    private void rerateLanes() {
        Shared sh = shared;
        LaneModel m = sh.model;
        int devices = sh.sims.length;
        int[] reads = sh.laneReads;
        int[] writes = sh.laneWrites;
        double[] linkSum = sh.linkSum;
        double[] ssdSum = sh.ssdSum;
        Arrays.fill(reads, 0);
        Arrays.fill(writes, 0);
        Arrays.fill(linkSum, 0);
        Arrays.fill(ssdSum, 0);
        for (int slot = 0; slot < sh.slotPhase.length; slot++) {
            if (sh.slotPhase[slot] == Shared.SLOT_DATA) {
                (sh.slotWrite[slot] ? writes : reads)[slot / m.depth]++;
            }
        }
        for (int slot = 0; slot < sh.slotPhase.length; slot++) {
            if (sh.slotPhase[slot] != Shared.SLOT_DATA) {
                continue;
            }
            int l = slot / m.depth;
            boolean write = sh.slotWrite[slot];
            double rate = l < sh.ssds ? m.ssdTaskRate(l, write, reads[l], writes[l])
                    : m.hostTaskRate(write, reads[l] + writes[l]);
            sh.slotRate[slot] = rate;
            int d = sh.slotTransfer[slot] % devices;
            linkSum[2 * d + (write ? TO_HOST : TO_DEVICE)] += rate;
        }
        for (int slot = 0; slot < sh.slotPhase.length; slot++) {
            if (sh.slotPhase[slot] != Shared.SLOT_DATA) {
                continue;
            }
            int d = sh.slotTransfer[slot] % devices;
            int link = 2 * d + (sh.slotWrite[slot] ? TO_HOST : TO_DEVICE);
            double cap = sh.sims[d].pcieBytesPerNs;
            if (linkSum[link] > cap) {
                sh.slotRate[slot] *= cap / linkSum[link];
            }
            if (slot / m.depth < sh.ssds) {
                ssdSum[link] += sh.slotRate[slot];
            }
            long finish = now + nanosFor(sh.slotLeft[slot], sh.slotRate[slot]);
            if (finish != sh.slotFinishAt[slot]) {
                sh.slotFinishAt[slot] = finish;
                sh.sims[d].schedule(finish, EV_TASK, slot);
            }
        }
        for (int d = 0; d < devices; d++) {
            IterationSim r = sh.sims[d];
            for (int link = 0; link < 2; link++) {
                r.linkSsdRate[link] = ssdSum[2 * d + link];
                r.linkTotalRate[link] = Math.min(linkSum[2 * d + link], r.pcieBytesPerNs);
            }
            if (r.recording) {
                long at = r.now - r.iterStartNs;
                r.ssdReadSeries.set(at, r.linkSsdRate[TO_DEVICE] * 1e9);
                r.ssdWriteSeries.set(at, r.linkSsdRate[TO_HOST] * 1e9);
                r.toDeviceSeries.set(at, r.linkTotalRate[TO_DEVICE] * 1e9);
                r.toHostSeries.set(at, r.linkTotalRate[TO_HOST] * 1e9);
            }
        }
    }

    /** The lanes this device's last iteration reports: every SSD's, then its host lane. */
    private int[] reportedLanes() {
        int[] lanes = new int[shared.ssds + 1];
        for (int i = 0; i < shared.ssds; i++) {
            lanes[i] = i;
        }
        lanes[shared.ssds] = hostLane();
        return lanes;
    }

    private void snapshotLanes() {
        int[] lanes = reportedLanes();
        laneReadAtStart = new long[lanes.length];
        laneWrittenAtStart = new long[lanes.length];
        laneBusyAtStart = new long[lanes.length];
        for (int i = 0; i < lanes.length; i++) {
            laneReadAtStart[i] = shared.laneBytesRead[lanes[i]];
            laneWrittenAtStart[i] = shared.laneBytesWritten[lanes[i]];
            laneBusyAtStart[i] = shared.laneBusyNs(lanes[i], now);
        }
    }

    private List<LaneStats> lanesSinceSnapshot() {
        int[] lanes = reportedLanes();
        List<LaneStats> stats = new ArrayList<>(lanes.length);
        for (int i = 0; i < lanes.length; i++) {
            String name = i < shared.ssds ? "ssd" + i : "host";
            stats.add(new LaneStats(name, shared.laneBytesWritten[lanes[i]] - laneWrittenAtStart[i],
                    shared.laneBytesRead[lanes[i]] - laneReadAtStart[i],
                    shared.laneBusyNs(lanes[i], now) - laneBusyAtStart[i]));
        }
        return stats;
    }

    private double cap(int x) {
        return xOffload[x] ? ssdWriteBytesPerNs[xSsd[x]] : ssdReadBytesPerNs[xSsd[x]];
    }

    /** Whole nanoseconds to move {@code bytes} at {@code rate} bytes/ns, rounded up past float noise. */
    private static long nanosFor(double bytes, double rate) {
        if (bytes <= 0) {
            return 0;
        }
        double ns = bytes / rate;
        return Math.max(0, (long) Math.ceil(ns - 1e-6 - ns * 1e-12));
    }

    private void schedule(long at, int type, int id) {
        events.push(at, ++eventSeq, (id << 3) | type);
    }

    private void handle(int event) {
        int type = event & 7;
        int id = event >>> 3;
        switch (type) {
            case EV_OP_END -> opEnded = true;
            case EV_LATENCY_END -> {
                if (xState[id] == X_LATENCY && xFinishAt[id] == now) {
                    beginData(id);
                }
            }
            case EV_FLOW_END -> {
                if (xState[id] == X_DATA && xFinishAt[id] == now && xSsd[id] != HOST) {
                    int l = link(xOffload[id]);
                    advance(l);
                    int[] flows = linkFlows[l];
                    int count = linkFlowCount[l];
                    for (int i = 0; i < count; i++) {
                        if (flows[i] == id) {
                            flows[i] = flows[count - 1];
                            break;
                        }
                    }
                    linkFlowCount[l]--;
                    rerate(l);
                    int c = channel(xSsd[id], xOffload[id]);
                    shared.busy[c] = false;
                    shared.laneActivity(xSsd[id], -1, now);
                    (xOffload[id] ? shared.laneBytesWritten : shared.laneBytesRead)[xSsd[id]] += w.bytes(xSlot[id]);
                    complete(id);
                    startNextOnChannel(c);
                }
            }
            case EV_TASK -> taskEvent(id);
            case EV_ISSUED -> {
                // the stream may start the op now: afterBatch tries
            }
            default -> {
                if (hostFinishAt[id] == now && !hostFlows[id].isEmpty()) {
                    advance(id);
                    int x = hostFlows[id].pop();
                    rerate(id);
                    shared.laneActivity(hostLane(), -1, now);
                    shared.laneBytesWritten[hostLane()] += xOffload[x] ? w.bytes(xSlot[x]) : 0;
                    shared.laneBytesRead[hostLane()] += xOffload[x] ? 0 : w.bytes(xSlot[x]);
                    complete(x);
                }
            }
        }
    }

    private void complete(int x) {
        moving--;
        int t = xSlot[x];
        long bytes = w.bytes(t);
        if (xOffload[x]) {
            changeUsed(-bytes);
            if (!xDropped[x]) {
                state[t] = OFFLOADED;
                outX[t] = -1;
                moved(t, TensorMoves.OFFLOADED);
                int y = inX[t];
                if (y >= 0) {
                    state[t] = PREFETCHING;
                    moved(t, TensorMoves.PREFETCHING);
                    waitForMemory(y);
                }
            }
        } else if (xDropped[x]) {
            changeUsed(-bytes);
        } else {
            state[t] = RESIDENT;
            inX[t] = -1;
            moved(t, TensorMoves.RESIDENT);
            if (xSsd[x] == HOST) {
                changeHost(-bytes);
            }
            finishEntry(x);
        }
        release(x);
    }

    /** Notes, in the last iteration, that tensor t changed place (TensorMoves). */
    private void moved(int t, byte to) {
        if (!recording) {
            return;
        }
        if (moveCount == moveTensor.length) {
            int grown = moveCount * 2;
            moveTensor = Arrays.copyOf(moveTensor, grown);
            moveNs = Arrays.copyOf(moveNs, grown);
            moveState = Arrays.copyOf(moveState, grown);
            movePlace = Arrays.copyOf(movePlace, grown);
        }
        moveTensor[moveCount] = t;
        moveNs[moveCount] = now - iterStartNs;
        moveState[moveCount] = to;
        movePlace[moveCount] = loc[t];
        moveCount++;
    }

    // ---------------------------------------------------------------- result

    private SimulationResult result() {
        Map<String, Long> byCause = new LinkedHashMap<>();
        byCause.put(CAUSES[PREFETCH], stallNs[PREFETCH]);
        byCause.put(CAUSES[MEMORY], stallNs[MEMORY]);
        List<OpStall> worst = new ArrayList<>(topCount);
        for (int i = 0; i < topCount; i++) {
            worst.add(new OpStall(topOp[i], w.opName(topOp[i]), topNs[i], CAUSES[topCause[i]]));
        }
        List<Long> times = new ArrayList<>(iterations);
        int finished = phase == DONE ? iterations : iter;
        for (int i = 0; i < finished; i++) {
            times.add(iterationNs[i]);
        }
        Prediction prediction = null;
        if (outOfMemory == null) {
            long last = iterationNs[iterations - 1];
            prediction = new Prediction(last, w.idealNs(), stallNs[PREFETCH] + stallNs[MEMORY], peakBytes, bytesToSsd,
                    bytesFromSsd, bytesToHost, bytesFromHost);
        }
        return new SimulationResult(prediction, outOfMemory, byCause, stalledOps, worst, times, peakHostBytes,
                hostViolation, demandFetches, skippedEntries, overheadNs, timelines, laneStats);
    }
}
