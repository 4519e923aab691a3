package io.teraio.planner.sim;

import static io.teraio.planner.TinyTrace.BYTE_PER_NS;
import static io.teraio.planner.TinyTrace.hardware;
import static io.teraio.planner.TinyTrace.ids;
import static io.teraio.planner.TinyTrace.offload;
import static io.teraio.planner.TinyTrace.prefetch;
import static io.teraio.planner.TinyTrace.ssd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.Prediction;
import io.teraio.planner.TinyTrace;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The simulator on hand-computed cases. Bandwidths are 1e9 bytes/s (1 byte/ns) or multiples,
 * so every expected time is a whole number of nanoseconds worked out in the comments.
 */
class SimulatorTest {
    private static final Map<String, Long> NO_STALL =
            Map.of(Simulator.WAITING_FOR_PREFETCH, 0L, Simulator.WAITING_FOR_MEMORY, 0L);

    private static Map<String, Long> stalls(long prefetchNs, long memoryNs) {
        return Map.of(Simulator.WAITING_FOR_PREFETCH, prefetchNs, Simulator.WAITING_FOR_MEMORY, memoryNs);
    }

    @Test
    void withoutAPlanAndWithEnoughMemoryTheIterationIsIdeal() {
        // w (100 B) persistent; x (50 B) allocated by op 0, freed by op 2. Ideal 10 + 20 + 30 = 60 ns,
        // peak 150 B.
        Workload w = new TinyTrace().persistent(1, "w", 100).activation(2, "x", 50)
                .op("fwd", 10, ids(1, 2), ids(2), ids())
                .op("mid", 20, 1, 2)
                .op("bwd", 30, ids(2), ids(), ids(2))
                .workload();
        SimulationResult r = Simulator.simulate(w, hardware(1000, BYTE_PER_NS, 0), List.of());
        assertTrue(r.ran());
        assertEquals(new Prediction(60, 60, 0, 150, 0, 0, 0, 0), r.prediction());
        assertEquals(100.0, r.percentOfIdeal());
        assertEquals(NO_STALL, r.stallNsByCause());
        assertEquals(0, r.stalledOps());
        assertEquals(List.of(60L, 60L, 60L), r.iterationNs());
        assertEquals(r.prediction(), Simulator.ideal(w).prediction());
        assertEquals(150.0, r.timelines().deviceBytes().max());
    }

    /** w (1000 B) used by ops 0 and 3; ops 1 and 2 leave 2300 ns between its uses. */
    private static Workload lateTrace() {
        return new TinyTrace().persistent(1, "w", 1000)
                .op("fwd", 100, 1)
                .op("gap", 2000)
                .op("gap2", 300)
                .op("bwd", 100, 1)
                .workload();
    }

    @Test
    void aLatePrefetchStallsByExactlyItsLateness() {
        // SSD 0: 1 byte/ns each way, 100 ns latency; PCIe 10 bytes/ns (not the bottleneck).
        // Offload at op 1 (t = 100): 100 + 1000/1 = 1100 ns, done at 1200, before the prefetch.
        // Prefetch at op 2 (t = 100 + 2000 = 2100): 100 + 1000 = 1100 ns, resident at 3200.
        // Op 3 is reached at 2100 + 300 = 2400 and waits 3200 - 2400 = 800 ns.
        // Iteration: ideal 2500 + 800 = 3300 ns, the same in every iteration.
        HardwareProfile hw = hardware(10_000, 10 * BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 100));
        List<PlanEntry> plan = List.of(offload(1, "w", 0, 1, 1), prefetch(1, "w", 0, 2, 3));
        SimulationResult r = Simulator.simulate(lateTrace(), hw, plan);
        assertEquals(new Prediction(3300, 2500, 800, 1000, 1000, 1000, 0, 0), r.prediction());
        assertEquals(stalls(800, 0), r.stallNsByCause());
        assertEquals(1, r.stalledOps());
        assertEquals(List.of(new OpStall(3, "bwd", 800, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        assertEquals(List.of(3300L, 3300L, 3300L), r.iterationNs());
        assertEquals(0, r.demandFetches());
        assertEquals(0, r.skippedEntries());
    }

    @Test
    void transfersSharingOnePcieLinkSplitItsBandwidth() {
        // a (1000 B) on SSD 0, b (3000 B) on SSD 1, each SSD 1 byte/ns, no latency; PCIe only
        // 1 byte/ns each way, so two transfers at once get 0.5 byte/ns each.
        // Prefetches issued together at op 2 (t0 = 10 + 5000 = 5010): both at 0.5 until a is in
        // (1000 B at 0.5: t0 + 2000 = 7010; b has 1000 B in), then b alone at 1 byte/ns for its
        // other 2000 B: t0 + 4000 = 9010. (Without sharing: a at t0 + 1000, b at t0 + 3000.)
        // Op 3 (uses a) is reached at 5020: waits 7010 - 5020 = 1990, runs to 7020.
        // Op 4 (uses b) is reached at 7020: waits 9010 - 7020 = 1990.
        // The offloads at op 1 share the other direction the same way, done at 10 + 4000, well
        // within op 1's 5000 ns. Iteration: ideal 5040 + 3980 = 9020 ns.
        Workload w = new TinyTrace().persistent(1, "a", 1000).persistent(2, "b", 3000)
                .op("fwd", 10, 1, 2)
                .op("gap", 5000)
                .op("mid", 10)
                .op("useA", 10, 1)
                .op("useB", 10, 2)
                .workload();
        HardwareProfile hw = hardware(10_000, BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 0), ssd(1, BYTE_PER_NS, 0));
        List<PlanEntry> plan = List.of(offload(1, "a", 0, 1, 1), offload(2, "b", 1, 1, 1),
                prefetch(1, "a", 0, 2, 3), prefetch(2, "b", 1, 2, 4));
        SimulationResult r = Simulator.simulate(w, hw, plan);
        assertEquals(9020, r.prediction().iterationNs());
        assertEquals(List.of(new OpStall(3, "useA", 1990, Simulator.WAITING_FOR_PREFETCH),
                new OpStall(4, "useB", 1990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        // The link never carries more than its 1 byte/ns, and carries 4000 B each way.
        Timelines t = r.timelines();
        assertEquals(1e9, t.pcieToDeviceBytesPerSecond().max(), 1e-3);
        assertEquals(4000, integral(t.pcieToDeviceBytesPerSecond(), 9020), 1e-6);
        assertEquals(4000, integral(t.ssdReadBytesPerSecond(), 9020), 1e-6);
        assertEquals(4000, integral(t.pcieToHostBytesPerSecond(), 9020), 1e-6);
        assertEquals(4000, integral(t.ssdWriteBytesPerSecond(), 9020), 1e-6);
        // Each op starts when the one before it ends, plus its wait: op 3 at 7010, op 4 at 9010.
        assertArrayEquals(new long[] {0, 10, 5010, 7010, 9010}, t.opStartNs());
        // Each tensor's trip: written out from op 1, out when its write ends, read back from op 2.
        List<String> moves = new ArrayList<>();
        TensorMoves m = t.moves();
        for (int i = 0; i < m.size(); i++) {
            moves.add(w.tensor(m.tensors()[i]).key() + "@" + m.timesNs()[i] + ":" + m.states()[i] + "/" + m.places()[i]);
        }
        assertEquals(List.of("a@10:1/0", "b@10:1/1", "a@2010:2/0", "b@4010:2/1", "a@5010:3/0", "b@5010:3/1",
                "a@7010:4/0", "b@9010:4/1"), moves);
    }

    /** Bytes a rate series moved: the sum of mean rate x interval length. */
    private static double integral(TimeSeries s, long endNs) {
        double bytes = 0;
        for (int i = 0; i < s.size(); i++) {
            long to = i + 1 < s.size() ? s.timesNs()[i + 1] : endNs;
            bytes += s.values()[i] * (to - s.timesNs()[i]) / 1e9;
        }
        return bytes;
    }

    @Test
    void urgentEntriesOvertakeQueuedOnes() {
        // One SSD, 1 byte/ns, no latency; a, b, c 1000 B each. At op 2 (t0 = 10010) prefetches of
        // a, b (not urgent) and c (urgent) are issued in that order: a takes the idle read channel,
        // then c overtakes b: a in at t0 + 1000, c at t0 + 2000, b at t0 + 3000.
        // Op 3 (uses c) reached at 10020 waits to 12010: 1990 ns. Op 4 (uses b) reached at 12020
        // waits to 13010: 990 ns. (In issue order c would wait 2990 and b not at all.)
        Workload w = new TinyTrace().persistent(1, "a", 1000).persistent(2, "b", 1000).persistent(3, "c", 1000)
                .op("fwd", 10, 1, 2, 3)
                .op("gap", 10_000)
                .op("mid", 10)
                .op("useC", 10, 3)
                .op("useB", 10, 2)
                .op("useA", 10, 1)
                .workload();
        HardwareProfile hw = hardware(10_000, 10 * BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 0));
        List<PlanEntry> plan = List.of(offload(1, "a", 0, 1, 1), offload(2, "b", 0, 1, 1), offload(3, "c", 0, 1, 1),
                prefetch(1, "a", 0, 2, 5), prefetch(2, "b", 0, 2, 4),
                TinyTrace.entry(PlanAction.PREFETCH, 3, "c", 0, 2, 3, true));
        SimulationResult r = Simulator.simulate(w, hw, plan);
        assertEquals(List.of(new OpStall(3, "useC", 1990, Simulator.WAITING_FOR_PREFETCH),
                new OpStall(4, "useB", 990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        assertEquals(10_050 + 2980, r.prediction().iterationNs());
    }

    /** w (1500 B) used by ops 0 and 5; op 2 allocates x (1000 B), op 3 frees it. */
    private static Workload memoryTrace() {
        return new TinyTrace().persistent(1, "w", 1500).activation(2, "x", 1000)
                .op("fwd", 100, 1)
                .op("gap", 100)
                .op("alloc", 100, ids(), ids(2), ids())
                .op("freeX", 100, ids(2), ids(), ids(2))
                .op("gap2", 5000)
                .op("bwd", 100, 1)
                .workload();
    }

    @Test
    void anAllocationWaitsForTheOffloadThatMakesRoom() {
        // 2000 B of device memory: w (1500) and x (1000) do not fit together. w is offloaded at
        // op 1 (t = 100): 100 ns latency + 1500 B at 1 byte/ns, memory free at 1700. Op 2 is
        // reached at 200 and waits 1500 ns for memory, then runs 1700..1800; op 3 frees x at
        // 1900; w's prefetch at op 4 reserves 1500 B and is in at 1900 + 1600 = 3500, long
        // before op 5 (6900). Iteration: ideal 5500 + 1500 = 7000 ns. Peak: w alone, 1500 B.
        HardwareProfile hw = hardware(2000, 10 * BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 100));
        List<PlanEntry> plan = List.of(offload(1, "w", 0, 1, 2), prefetch(1, "w", 0, 4, 5));
        SimulationResult r = Simulator.simulate(memoryTrace(), hw, plan);
        assertEquals(new Prediction(7000, 5500, 1500, 1500, 1500, 1500, 0, 0), r.prediction());
        assertEquals(stalls(0, 1500), r.stallNsByCause());
        assertEquals(List.of(new OpStall(2, "alloc", 1500, Simulator.WAITING_FOR_MEMORY)), r.worstStalls());
        assertEquals(1500.0, r.timelines().deviceBytes().max());
    }

    @Test
    void withoutAPlanTooLittleMemoryIsReportedAsOutOfMemory() {
        // Op 2 allocates x (1000 B) with w (1500 B) resident: 500 B of 2000 are free.
        SimulationResult r = Simulator.simulate(memoryTrace(), hardware(2000, BYTE_PER_NS, 0), List.of());
        assertFalse(r.ran());
        assertNull(r.prediction());
        assertEquals(0.0, r.percentOfIdeal());
        assertEquals("out of memory at op 2 (alloc) in iteration 0: its allocations and prefetches need 1000 B,"
                + " only 500 B of the device's 1.95 KiB is free, and no migration in flight can free more",
                r.outOfMemory());
        assertEquals(List.of(), r.iterationNs());
    }

    @Test
    void anOpThatCannotFitIsInfeasible() {
        long gib = 1L << 30;
        Workload w = new TinyTrace().persistent(1, "big", 44_238_163_149L)
                .op("load", 10)
                .op("aten::mm", 10, 1)
                .workload();
        TeraioException e = assertThrows(TeraioException.class,
                () -> Simulator.simulate(w, hardware(40 * gib, BYTE_PER_NS, 0), List.of()));
        assertEquals("op 1 (aten::mm) needs 41.20 GiB resident at once, more than the device's 40.00 GiB:"
                + " no plan can run it", e.getMessage());
    }

    /** w (3500 B) used by op 1 only; the plan keeps it on SSD from op 2 to op 1 of the next iteration. */
    private static Workload wrapTrace() {
        return new TinyTrace().persistent(1, "w", 3500)
                .op("a", 1000)
                .op("use", 100, 1)
                .op("b", 4000)
                .op("c", 2000)
                .workload();
    }

    @Test
    void aWrappingPrefetchStartsColdThenSettles() {
        // SSD 0: 1 byte/ns, no latency. Offload at op 2, prefetch issued at op 3 due at op 1 of
        // the next iteration. Steady state, from the start S of op 2: offload done at S + 3500,
        // prefetch issued at S + 4000, in at S + 7500; op 3 ends at S + 6000, the next op 0 at
        // S + 7000, so op 1 waits 500 ns: iteration 7100 + 500 = 7600 ns.
        // Iteration 0 starts with w offloaded (its last entry wraps) and issues that prefetch at
        // time 0: in at 3500, op 1 reached at 1000 waits 2500: 7100 + 2500 = 9600 ns.
        HardwareProfile hw = hardware(10_000, 10 * BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 0));
        List<PlanEntry> plan = List.of(offload(1, "w", 0, 2, 2), prefetch(1, "w", 0, 3, 1));
        SimulationResult r = Simulator.simulate(wrapTrace(), hw, plan);
        assertEquals(List.of(9600L, 7600L, 7600L), r.iterationNs());
        assertEquals(new Prediction(7600, 7100, 500, 3500, 3500, 3500, 0, 0), r.prediction());
    }

    @Test
    void aTensorOffloadedAcrossTheBoundaryByItsLastEntryStartsOffloaded() {
        // The same tensor, brought back by its first entry (a prefetch at op 0, due at op 1) and
        // offloaded by its last (op 2). It starts offloaded, so every iteration is alike: the
        // prefetch has op 0's 1000 ns for 3500 B and op 1 waits 2500 ns: 9600 ns.
        HardwareProfile hw = hardware(10_000, 10 * BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 0));
        List<PlanEntry> plan = List.of(prefetch(1, "w", 0, 0, 1), offload(1, "w", 0, 2, 2));
        SimulationResult r = Simulator.simulate(wrapTrace(), hw, plan);
        assertEquals(List.of(9600L, 9600L, 9600L), r.iterationNs());
        assertEquals(0, r.skippedEntries());
    }

    @Test
    void bytesPerTierAndHostMemoryAreCounted() {
        // a (1000 B) to SSD 0, b (400 B) to host memory, both between ops 0 and 3. A host transfer
        // only uses the PCIe link: 400 B at 1 byte/ns, no latency. Host memory holds b: 400 B.
        Workload w = new TinyTrace().persistent(1, "a", 1000).persistent(2, "b", 400)
                .op("fwd", 10, 1, 2)
                .op("gap", 5000)
                .op("gap2", 5000)
                .op("bwd", 10, 1, 2)
                .workload();
        List<PlanEntry> plan = List.of(offload(1, "a", 0, 1, 1), offload(2, "b", -1, 1, 1),
                prefetch(1, "a", 0, 2, 3), prefetch(2, "b", -1, 2, 3));
        HardwareProfile hw = hardware(10_000, BYTE_PER_NS, 1000, ssd(0, BYTE_PER_NS, 0));
        SimulationResult r = Simulator.simulate(w, hw, plan);
        assertEquals(new Prediction(10_020, 10_020, 0, 1400, 1000, 1000, 400, 400), r.prediction());
        assertEquals(400, r.peakHostBytes());
        assertNull(r.hostMemoryViolation());

        HardwareProfile small = hardware(10_000, BYTE_PER_NS, 300, ssd(0, BYTE_PER_NS, 0));
        assertEquals("entry 1 (offload of tensor 2 'b') puts 400 B in host memory at op 1, more than the"
                + " hardware's hostMemoryBytes (300 B)", Simulator.simulate(w, small, plan).hostMemoryViolation());
    }

    @Test
    void aHostTransferMovesAtTheLinkRate() {
        // b (3000 B) to host memory and back over a 1 byte/ns link, no SSD involved: the offload
        // issued at op 1 (t = 10) is done at 3010. Op 1 lasts only 100 ns, so the prefetch is
        // issued at op 2 (t = 110) while the offload still moves: it waits for it (3010), then
        // reads 3000 B: in at 6010. Op 3 is reached at 120 and waits 5890 ns.
        Workload w = new TinyTrace().persistent(2, "b", 3000)
                .op("fwd", 10, 2)
                .op("gap", 100)
                .op("gap2", 10)
                .op("bwd", 10, 2)
                .workload();
        List<PlanEntry> plan = List.of(offload(2, "b", -1, 1, 1), prefetch(2, "b", -1, 2, 3));
        SimulationResult r = Simulator.simulate(w, hardware(10_000, BYTE_PER_NS, 10_000), plan);
        assertEquals(List.of(new OpStall(3, "bwd", 5890, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
    }

    @Test
    void hostTransfersOfADirectionMoveOneAtATimeUrgentFirstThenInIssueOrder() {
        // a, b, c (1000 B each) to host memory at op 1 and back at op 2 over a 1 byte/ns link,
        // as the engine's host lane serves its queue: one at a time, in issue order, urgent ones
        // first. The offloads are out at 1010, 2010 and 3010. At op 2 (t0 = 5010) a takes the
        // idle link; b and then c (urgent) wait, and c overtakes b: a in at t0 + 1000, c at
        // t0 + 2000, b at t0 + 3000. Ops 3, 4, 5 (using a, c, b) each wait 990 ns. (Sharing the
        // link, all three would be in at t0 + 3000: op 3 would wait 2990 ns.)
        Workload w = new TinyTrace().persistent(1, "a", 1000).persistent(2, "b", 1000).persistent(3, "c", 1000)
                .op("fwd", 10, 1, 2, 3)
                .op("gap", 5000)
                .op("mid", 10)
                .op("useA", 10, 1)
                .op("useC", 10, 3)
                .op("useB", 10, 2)
                .workload();
        List<PlanEntry> plan = List.of(offload(1, "a", -1, 1, 1), offload(2, "b", -1, 1, 1), offload(3, "c", -1, 1, 1),
                prefetch(1, "a", -1, 2, 3), prefetch(2, "b", -1, 2, 5),
                TinyTrace.entry(PlanAction.PREFETCH, 3, "c", -1, 2, 4, true));
        SimulationResult r = Simulator.simulate(w, hardware(10_000, BYTE_PER_NS, 10_000), plan);
        assertEquals(List.of(new OpStall(3, "useA", 990, Simulator.WAITING_FOR_PREFETCH),
                new OpStall(4, "useC", 990, Simulator.WAITING_FOR_PREFETCH),
                new OpStall(5, "useB", 990, Simulator.WAITING_FOR_PREFETCH)), r.worstStalls());
        assertEquals(5050 + 3 * 990, r.prediction().iterationNs());
    }

    @Test
    void theSimulationIsDeterministicAndTimelinesAreBounded() {
        HardwareProfile hw = hardware(10_000, 10 * BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 100));
        List<PlanEntry> plan = List.of(offload(1, "w", 0, 1, 1), prefetch(1, "w", 0, 2, 3));
        SimulationOptions options = new SimulationOptions(4, 7);
        SimulationResult a = Simulator.simulate(lateTrace(), hw, plan, options);
        SimulationResult b = Simulator.simulate(lateTrace(), hw, plan, options);
        assertEquals(a.prediction(), b.prediction());
        assertEquals(4, a.iterationNs().size());
        assertTrue(a.timelines().deviceBytes().size() <= 7);
        assertEquals(0, a.timelines().deviceBytes().timesNs()[0]);
    }
}
