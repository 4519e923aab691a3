package io.teraio.planner.sim;

import static io.teraio.planner.sim.DeviceHardware.TO_DEVICE;
import static io.teraio.planner.sim.DeviceHardware.TO_HOST;

import io.teraio.core.engine.LaneStats;
import io.teraio.core.plan.Prediction;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one device's simulation records of its last iteration, the one it reports: peaks, stalls
 * by cause and the longest of them, bytes moved, rescues, host memory over its cap, the
 * timelines, every tensor's changes of place, each lane's use; and the {@link SimulationResult}
 * made of them. Nothing is recorded before {@link #begin}.
 */
final class LastIteration {
    /** Stall causes, indexes of {@link #CAUSES}. */
    static final int PREFETCH = 0;
    static final int MEMORY = 1;
    private static final String[] CAUSES = {Simulator.WAITING_FOR_PREFETCH, Simulator.WAITING_FOR_MEMORY};
    private static final int TOP_STALLS = 10;

    /** Whether the last iteration is running: only then does anything count. */
    boolean recording;
    private long peakBytes;
    private long peakHostBytes;
    private final long[] stallNs = new long[2];
    private int stalledOps;
    private final int[] topOp = new int[TOP_STALLS];
    private final long[] topNs = new long[TOP_STALLS];
    private final int[] topCause = new int[TOP_STALLS];
    private int topCount;
    long bytesToSsd;
    long bytesFromSsd;
    long bytesToHost;
    long bytesFromHost;
    int demandFetches;
    int skippedEntries;
    /** The time the compute stream spent issuing entries. */
    long overheadNs;
    /** The first point where host memory exceeded its cap, or null. */
    String hostViolation;
    private SeriesBuilder deviceSeries;
    private SeriesBuilder ssdReadSeries;
    private SeriesBuilder ssdWriteSeries;
    private SeriesBuilder toDeviceSeries;
    private SeriesBuilder toHostSeries;
    /** When each op started, from the iteration's start. */
    private long[] opStartNs;
    /** The changes of place (TensorMoves), growing. */
    private int moveCount;
    private int[] moveTensor = new int[64];
    private long[] moveNs = new long[64];
    private byte[] moveState = new byte[64];
    private int[] movePlace = new int[64];
    private Timelines timelines = Timelines.EMPTY;
    /** Each reported lane's bytes and busy time when the iteration started (the SSDs, then the device's host lane). */
    private long[] laneReadAtStart;
    private long[] laneWrittenAtStart;
    private long[] laneBusyAtStart;
    private List<LaneStats> laneStats = List.of();

    /**
     * Starts recording at {@code now}: {@code used} and {@code hostUsed} bytes in device and host
     * memory, the links moving at {@code ssdRate} (from and to SSDs) and {@code totalRate} per
     * direction, the iteration expected to take about {@code expectedNs}.
     */
    void begin(int ops, int points, long expectedNs, long used, long hostUsed, double[] ssdRate, double[] totalRate,
               Shared shared, int hostLane, long now) {
        recording = true;
        peakBytes = used;
        peakHostBytes = hostUsed;
        deviceSeries = new SeriesBuilder(points, expectedNs, true, used);
        ssdReadSeries = new SeriesBuilder(points, expectedNs, false, ssdRate[TO_DEVICE] * 1e9);
        ssdWriteSeries = new SeriesBuilder(points, expectedNs, false, ssdRate[TO_HOST] * 1e9);
        toDeviceSeries = new SeriesBuilder(points, expectedNs, false, totalRate[TO_DEVICE] * 1e9);
        toHostSeries = new SeriesBuilder(points, expectedNs, false, totalRate[TO_HOST] * 1e9);
        opStartNs = new long[ops];
        int[] lanes = reportedLanes(shared, hostLane);
        laneReadAtStart = new long[lanes.length];
        laneWrittenAtStart = new long[lanes.length];
        laneBusyAtStart = new long[lanes.length];
        for (int i = 0; i < lanes.length; i++) {
            laneReadAtStart[i] = shared.laneBytesRead[lanes[i]];
            laneWrittenAtStart[i] = shared.laneBytesWritten[lanes[i]];
            laneBusyAtStart[i] = shared.laneBusyNs(lanes[i], now);
        }
    }

    /** Device memory in use changed to {@code used} at {@code at} (from the iteration's start). */
    void deviceBytes(long at, long used) {
        peakBytes = Math.max(peakBytes, used);
        deviceSeries.set(at, used);
    }

    /** Host memory in use changed to {@code hostUsed}. */
    void hostBytes(long hostUsed) {
        peakHostBytes = Math.max(peakHostBytes, hostUsed);
    }

    /** Link l's rates changed at {@code at}: from or to SSDs, and in all. */
    void linkRates(long at, int l, double ssdRate, double totalRate) {
        (l == TO_DEVICE ? ssdReadSeries : ssdWriteSeries).set(at, ssdRate * 1e9);
        (l == TO_DEVICE ? toDeviceSeries : toHostSeries).set(at, totalRate * 1e9);
    }

    /** Op k started at {@code at}, after a wait of {@code ns} in all, {@code waitNs} of it by cause. */
    void opStarted(int k, long at, long ns, long[] waitNs) {
        if (ns > 0) {
            stallNs[PREFETCH] += waitNs[PREFETCH];
            stallNs[MEMORY] += waitNs[MEMORY];
            stalledOps++;
            noteStall(k, ns, waitNs[PREFETCH] >= waitNs[MEMORY] ? PREFETCH : MEMORY);
        }
        opStartNs[k] = at;
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

    /** Tensor t changed place at {@code at}: to state {@code to} ({@link TensorMoves}), its copy at {@code place}. */
    void moved(int t, byte to, int place, long at) {
        if (moveCount == moveTensor.length) {
            int grown = moveCount * 2;
            moveTensor = Arrays.copyOf(moveTensor, grown);
            moveNs = Arrays.copyOf(moveNs, grown);
            moveState = Arrays.copyOf(moveState, grown);
            movePlace = Arrays.copyOf(movePlace, grown);
        }
        moveTensor[moveCount] = t;
        moveNs[moveCount] = at;
        moveState[moveCount] = to;
        movePlace[moveCount] = place;
        moveCount++;
    }

    /** The iteration ended {@code end} after it started, at {@code now}: stops recording. */
    void finish(long end, Shared shared, int hostLane, long now) {
        timelines = new Timelines(deviceSeries.finish(end), ssdReadSeries.finish(end), ssdWriteSeries.finish(end),
                toDeviceSeries.finish(end), toHostSeries.finish(end), opStartNs,
                new TensorMoves(Arrays.copyOf(moveTensor, moveCount), Arrays.copyOf(moveNs, moveCount),
                        Arrays.copyOf(moveState, moveCount), Arrays.copyOf(movePlace, moveCount)));
        int[] lanes = reportedLanes(shared, hostLane);
        List<LaneStats> stats = new ArrayList<>(lanes.length);
        for (int i = 0; i < lanes.length; i++) {
            String name = i < shared.ssds ? "ssd" + i : "host";
            stats.add(new LaneStats(name, shared.laneBytesWritten[lanes[i]] - laneWrittenAtStart[i],
                    shared.laneBytesRead[lanes[i]] - laneReadAtStart[i],
                    shared.laneBusyNs(lanes[i], now) - laneBusyAtStart[i]));
        }
        laneStats = stats;
        recording = false; // in a joint simulation its transfers in flight go on while other devices finish
    }

    /** The lanes a device reports: every SSD's, then its host lane. */
    private static int[] reportedLanes(Shared shared, int hostLane) {
        int[] lanes = new int[shared.ssds + 1];
        for (int i = 0; i < shared.ssds; i++) {
            lanes[i] = i;
        }
        lanes[shared.ssds] = hostLane;
        return lanes;
    }

    /**
     * The result: {@code finished} iterations of {@code iterationNs} ran, and the last one's
     * prediction unless the simulation ran out of memory ({@code outOfMemory} not null).
     */
    SimulationResult result(Workload w, long[] iterationNs, int finished, String outOfMemory) {
        Map<String, Long> byCause = new LinkedHashMap<>();
        byCause.put(CAUSES[PREFETCH], stallNs[PREFETCH]);
        byCause.put(CAUSES[MEMORY], stallNs[MEMORY]);
        List<OpStall> worst = new ArrayList<>(topCount);
        for (int i = 0; i < topCount; i++) {
            worst.add(new OpStall(topOp[i], w.opName(topOp[i]), topNs[i], CAUSES[topCause[i]]));
        }
        List<Long> times = new ArrayList<>(iterationNs.length);
        for (int i = 0; i < finished; i++) {
            times.add(iterationNs[i]);
        }
        Prediction prediction = null;
        if (outOfMemory == null) {
            long last = iterationNs[iterationNs.length - 1];
            prediction = new Prediction(last, w.idealNs(), stallNs[PREFETCH] + stallNs[MEMORY], peakBytes, bytesToSsd,
                    bytesFromSsd, bytesToHost, bytesFromHost);
        }
        return new SimulationResult(prediction, outOfMemory, byCause, stalledOps, worst, times, peakHostBytes,
                hostViolation, demandFetches, skippedEntries, overheadNs, timelines, laneStats);
    }
}
