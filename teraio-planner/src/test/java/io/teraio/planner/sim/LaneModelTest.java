package io.teraio.planner.sim;

import static io.teraio.planner.TinyTrace.BYTE_PER_NS;
import static io.teraio.planner.TinyTrace.hardware;
import static io.teraio.planner.TinyTrace.offload;
import static io.teraio.planner.TinyTrace.prefetch;
import static io.teraio.planner.TinyTrace.ssd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.engine.LaneStats;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.ProbeResults;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.planner.TinyTrace;
import io.teraio.planner.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine model (a hardware profile with probe results) on hand-computed cases: tasks of
 * 1000 B, bandwidths in bytes per ns, so every time is a whole number of ns worked out in the
 * comments.
 */
class LaneModelTest {
    private static final long TASK = 1000;

    /**
     * One SSD read and written at {@code bytesPerNs} alone, {@code mixedRead} and {@code mixedWrite}
     * bytes per ns together, a lone 1000 B task in 1000 ns each way (1 byte/ns, no latency), the
     * host tier at {@code toHost} and {@code fromHost}; PCIe 100 bytes/ns (never the bottleneck).
     */
    private static HardwareProfile probed(int depth, long bytesPerNs, long mixedRead, long mixedWrite, long toHost,
                                          long fromHost, long migrationNs) {
        HardwareProfile hw = hardware(100_000, 100 * BYTE_PER_NS, 100_000, ssd(0, bytesPerNs * BYTE_PER_NS, 0));
        return hw.withProbe(new ProbeResults(TASK, depth, toHost * BYTE_PER_NS, fromHost * BYTE_PER_NS, false,
                migrationNs, List.of(new ProbeResults.SsdResults(0, mixedRead * BYTE_PER_NS, mixedWrite * BYTE_PER_NS,
                        1000, 1000))));
    }

    /** a and b (2000 B each: two tasks) used by op 0, offloaded at op 1, read back at op 2 for ops 3 and 4. */
    private static Workload twoTensors() {
        return new TinyTrace().persistent(1, "a", 2000).persistent(2, "b", 2000)
                .op("fwd", 10, 1, 2)
                .op("gap", 10_000)
                .op("mid", 10)
                .op("useA", 10, 1)
                .op("useB", 10, 2)
                .workload();
    }

    private static final List<PlanEntry> TWO_PLAN = List.of(offload(1, "a", 0, 1, 1), offload(2, "b", 0, 1, 1),
            prefetch(1, "a", 0, 2, 3), prefetch(2, "b", 0, 2, 4));

    @Test
    void tasksOfSeveralTensorsShareTheLaneUpToItsQueueDepth() {
        // Queue depth 4: the four read tasks (a's two, then b's) are in flight at once from op 2
        // (t0 = 10 + 10000 = 10010), each at 1/4 byte/ns: all are in at t0 + 4000 = 14010, a no
        // sooner than b. Op 3 is reached at 10020 and waits 3990; op 4 finds b in.
        // Iteration: ideal 10040 + 3990 = 14030. The offloads at op 1 likewise end at 10 + 4000.
        SimulationResult r = Simulator.simulate(twoTensors(), probed(4, 1, 1, 1, 1, 1, 0), TWO_PLAN);
        assertEquals(List.of(14_030L, 14_030L, 14_030L), r.iterationNs());
        assertEquals(List.of(new OpStall(3, "useA", 3990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        // The lane: 4000 B each way, busy 10..4010 and 10010..14010.
        assertEquals(List.of(new LaneStats("ssd0", 4000, 4000, 8000), new LaneStats("host", 0, 0, 0)), r.lanes());
    }

    @Test
    void aJobOfOneDeviceSimulatesTheEngineModelAsSimulateDoes() {
        HardwareProfile hw = probed(4, 1, 1, 1, 1, 1, 0);
        SimulationResult alone = Simulator.simulate(twoTensors(), hw, TWO_PLAN);
        SimulationResult job = Simulator.simulateJob(List.of(twoTensors()), hw, List.of(TWO_PLAN)).devices().get(0);
        assertEquals(alone.iterationNs(), job.iterationNs());
        assertEquals(alone.worstStalls(), job.worstStalls());
        assertEquals(alone.lanes(), job.lanes());
    }

    @Test
    void anUrgentTransferOvertakesTheTasksNotYetStartedOfOneBeforeIt() {
        // Queue depth 1: a's two read tasks, then b's, issued together at op 2 (t0 = 10010); b's
        // prefetch is urgent, so after a's first task (in flight when b came) b's two tasks go
        // first: a1 10010..11010, b1 ..12010, b2 ..13010, a2 ..14010. Op 3 (uses a, reached at
        // 10020) waits until 14010: 3990; op 4 finds b in. Iteration: 10040 + 3990 = 14030.
        List<PlanEntry> plan = List.of(offload(1, "a", 0, 1, 1), offload(2, "b", 0, 1, 1),
                prefetch(1, "a", 0, 2, 3), TinyTrace.entry(PlanAction.PREFETCH, 2, "b", 0, 2, 4, true));
        SimulationResult r = Simulator.simulate(twoTensors(), probed(1, 1, 1, 1, 1, 1, 0), plan);
        assertEquals(14_030, r.prediction().iterationNs());
        assertEquals(List.of(new OpStall(3, "useA", 3990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
    }

    @Test
    void withOneTaskInFlightTheLaneServesTensorsOneAfterAnother() {
        // Queue depth 1: a's tasks at 1 byte/ns from t0 = 10010 (in at t0 + 2000), then b's
        // (t0 + 4000). Op 3 (reached at 10020) waits until 12010: 1990; it ends at 12020, and op 4
        // waits until 14010: 1990. Iteration: 10040 + 3980 = 14020.
        SimulationResult r = Simulator.simulate(twoTensors(), probed(1, 1, 1, 1, 1, 1, 0), TWO_PLAN);
        assertEquals(14_020, r.prediction().iterationNs());
        assertEquals(List.of(new OpStall(3, "useA", 1990, Simulator.WAITING_FOR_PREFETCH),
                new OpStall(4, "useB", 1990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        assertEquals(new LaneStats("ssd0", 4000, 4000, 8000), r.lanes().get(0));
    }

    @Test
    void aLoneTaskMovesNoFasterThanTheProbeTimedIt() {
        // Queue depth 4 and 4 bytes/ns alone, but a lone 1000 B task took 1000 ns: a's and b's
        // four read tasks move at min(4 / 4, 1) = 1 byte/ns each, all in at t0 + 1000 = 11010.
        // Op 3 (reached at 10020) waits 990. Iteration: 10040 + 990 = 11030.
        SimulationResult r = Simulator.simulate(twoTensors(), probed(4, 4, 4, 4, 1, 1, 0), TWO_PLAN);
        assertEquals(11_030, r.prediction().iterationNs());
        assertEquals(List.of(new OpStall(3, "useA", 990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
    }

    @Test
    void readsAndWritesInFlightTogetherMoveAtTheProbesMixedRates() {
        // a (1000 B) used by ops 0 and 4: offloaded at op 1, read back at op 3 for op 4. b (1000 B)
        // used by op 2: read back at op 0, offloaded at op 3 (kept offloaded across iterations).
        // One SSD, 1 byte/ns alone; together reads move at 1/4 and writes at 1/2 byte/ns (the
        // probe's mixed figures; each of the 2 tasks gets 2/2 of its kind's mixed rate).
        // t = 0: b's read alone, in at 1000. t = 2000 (op 1): a's write alone, out at 3000.
        // Op 3 reached at 2000 + 5000 + 10 = 7010: b's write and a's read together: the write is out
        // at 7010 + 2000 = 9010, when a has 500 B in; then a alone at 1 byte/ns: in at 9510.
        // Op 4, reached at 7110, waits 2400. Iteration: ideal 7120 + 2400 = 9520.
        Workload w = new TinyTrace().persistent(1, "a", 1000).persistent(2, "b", 1000)
                .op("useA", 2000, 1)
                .op("gap", 5000)
                .op("useB", 10, 2)
                .op("gap2", 100)
                .op("useA2", 10, 1)
                .workload();
        List<PlanEntry> plan = List.of(prefetch(2, "b", 0, 0, 2), offload(1, "a", 0, 1, 1),
                offload(2, "b", 0, 3, 3), prefetch(1, "a", 0, 3, 4));
        SimulationResult r = Simulator.simulate(w, probed(2, 1, 0, 0, 1, 1, 0).withProbe(
                new ProbeResults(TASK, 2, BYTE_PER_NS, BYTE_PER_NS, false, 0, List.of(new ProbeResults.SsdResults(0,
                        BYTE_PER_NS / 4, BYTE_PER_NS / 2, 1000, 1000)))), plan);
        assertEquals(List.of(9520L, 9520L, 9520L), r.iterationNs());
        assertEquals(List.of(new OpStall(4, "useA2", 2400, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        // Busy 0..1000, 2000..3000 and 7010..9510.
        assertEquals(new LaneStats("ssd0", 2000, 2000, 4500), r.lanes().get(0));
    }

    /** a (2000 B) used by ops 0 and 3, offloaded to host memory at op 1 and read back at op 2. */
    private static Workload hostTrace() {
        return new TinyTrace().persistent(1, "a", 2000)
                .op("fwd", 10, 1)
                .op("gap", 1000)
                .op("mid", 10)
                .op("bwd", 10, 1)
                .workload();
    }

    private static final List<PlanEntry> HOST_PLAN = List.of(offload(1, "a", -1, 1, 1), prefetch(1, "a", -1, 2, 3));

    @Test
    void theHostTierMovesAtTheProbesCopyRates() {
        // To host 1/2 byte/ns, from host 2 bytes/ns, queue depth 4: a's two write tasks share the
        // copying, 1/4 byte/ns each: out at 10 + 4000 = 4010. The prefetch issued at op 2 (1010)
        // waits for it, then its two tasks move at 1 byte/ns each: in at 5010. Op 3, reached at
        // 1020, waits 3990. Iteration: ideal 1030 + 3990 = 5020.
        HardwareProfile hw = hardware(100_000, 100 * BYTE_PER_NS, 100_000, ssd(0, BYTE_PER_NS, 0))
                .withProbe(new ProbeResults(TASK, 4, BYTE_PER_NS / 2, 2 * BYTE_PER_NS, false, 0,
                        List.of(new ProbeResults.SsdResults(0, BYTE_PER_NS, BYTE_PER_NS, 1000, 1000))));
        SimulationResult r = Simulator.simulate(hostTrace(), hw, HOST_PLAN);
        assertEquals(5020, r.prediction().iterationNs());
        assertEquals(List.of(new OpStall(3, "bwd", 3990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        assertEquals(new LaneStats("host", 2000, 2000, 5000), r.lanes().get(1));
        // Without probe results the host tier moves at the PCIe bandwidth, 100 bytes/ns: 20 ns each
        // way; the read issued at 1010 is in at 1030, and op 3 (reached at 1020) waits 10 ns.
        SimulationResult profile = Simulator.simulate(hostTrace(), hardware(100_000, 100 * BYTE_PER_NS, 100_000,
                ssd(0, BYTE_PER_NS, 0)), HOST_PLAN);
        assertEquals(1040, profile.prediction().iterationNs());
        assertEquals(new LaneStats("host", 2000, 2000, 40), profile.lanes().get(1));
    }

    @Test
    void theComputeStreamPaysTheProbesMigrationOverheadPerEntryIssued() {
        // 250 ns per entry issued, on the compute stream: op 1 is reached at 10 and issues a's
        // offload (two tasks at 1/2 byte/ns each, queue depth 2: out at 2010), then starts at 260
        // and ends at 1260. Op 2 issues the prefetch (it waits for the offload) and starts at 1510,
        // ending at 1520; the read moves 2010..4010. Op 3, reached at 1520, waits 2490.
        // Iteration: ideal 1030 + overhead 500 + stall 2490 = 4020.
        HardwareProfile hw = probed(2, 1, 1, 1, 1, 1, 250);
        SimulationResult r = Simulator.simulate(hostTrace(), hw, List.of(offload(1, "a", 0, 1, 1),
                prefetch(1, "a", 0, 2, 3)));
        assertEquals(4020, r.prediction().iterationNs());
        assertEquals(500, r.overheadNs());
        assertEquals(2490, r.prediction().stallNs());
        assertEquals(r.prediction().iterationNs(), r.prediction().idealNs() + r.prediction().stallNs()
                + r.overheadNs());
    }

    @Test
    void modelOfSaysWhichFiguresAPredictionUses() {
        assertTrue(Simulator.modelOf(probed(8, 1, 1, 1, 1, 1, 0)).startsWith("the engine model calibrated by probe"
                + " (1000 B tasks, 8 in flight per lane"), Simulator.modelOf(probed(8, 1, 1, 1, 1, 1, 0)));
        assertTrue(Simulator.modelOf(hardware(1000, BYTE_PER_NS, 0)).startsWith("the profile's figures (it has no"
                + " probe results"));
    }
}
