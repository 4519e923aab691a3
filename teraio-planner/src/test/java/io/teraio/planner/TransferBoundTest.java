package io.teraio.planner;

import static io.teraio.planner.TinyTrace.BYTE_PER_NS;
import static io.teraio.planner.TinyTrace.hardware;
import static io.teraio.planner.TinyTrace.ids;
import static io.teraio.planner.TinyTrace.ssd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.planner.policy.Policies;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import org.junit.jupiter.api.Test;

/** {@link TransferBound} on hand-computed cases (PCIe and SSDs at 1 byte/ns keep them in whole ns). */
class TransferBoundTest {
    /**
     * Op 0 makes a 500-byte activation (1) that op 2 uses again; op 1 makes and frees a
     * 600-byte one (2) while 1 is idle. 1,100 live bytes at op 1.
     */
    private static Workload activationIdleAcrossAPeak() {
        return new TinyTrace()
                .activation(1, "a", 500).activation(2, "b", 600)
                .op("make", 100, ids(), ids(1), ids())
                .op("peak", 100, ids(), ids(2), ids(2))
                .op("use", 100, ids(1), ids(), ids(1))
                .workload();
    }

    @Test
    void aWorkloadThatFitsIsBoundByItsCompute() {
        TransferBound b = TransferBound.of(activationIdleAcrossAPeak(), hardware(1_100, BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 0)));
        assertEquals(300, b.boundNs());
        assertEquals(-1, b.atOp());
        assertEquals("compute", b.limit());
        assertEquals(100.0, b.percentOfIdeal(), 1e-9);
    }

    @Test
    void bytesOverCapacityThatComeBackCrossPcieBothWaysOneAfterTheOther() {
        // 500 bytes over at op 1: activation 1 must be written out and read back, 500 ns each
        // way at 1 byte/ns, with the host holding it. Made by op 0, it leaves from 100 ns and is
        // out at 600 ns, when op 1 can start (500 ns late); read from then, it is back at 1,100
        // ns where op 2 was due at 200 + 500: 400 ns later still. 300 + 500 + 400 ns.
        TransferBound b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, BYTE_PER_NS, 500,
                ssd(0, BYTE_PER_NS, 0)));
        assertEquals(1, b.atOp());
        assertEquals(500, b.bytesIn());
        assertEquals(500, b.bytesOut());
        assertEquals(1_200, b.boundNs());
        assertEquals("timing", b.limit());
        assertEquals(25.0, b.percentOfIdeal(), 1e-9);
    }

    @Test
    void aPlanMissesTheTimingBoundByWhatTheBoundLeavesOut() {
        // the case above, planned and simulated: the plan writes activation 1 as op 0 ends, and
        // reads it back when op 1 ends, not when it starts as the bound allows: op 1 fills the
        // device, and the read needs room there. 1,200 + op 1's 100 ns.
        Workload w = activationIdleAcrossAPeak();
        HardwareProfile hw = hardware(600, BYTE_PER_NS, 500, ssd(0, BYTE_PER_NS, 0));
        SimulationResult r = Simulator.simulate(w, hw, Policies.byName("teraio").plan(w, hw));
        assertEquals(TransferBound.of(w, hw).boundNs() + 100, r.prediction().iterationNs());
    }

    /**
     * A 500-byte weight (1) used by op 0 and, if {@code usedAgain}, by op 2; op 1 makes and
     * frees a 600-byte activation (2) while the weight is idle.
     */
    private static Workload weightIdleAtAPeak(boolean usedAgain) {
        TinyTrace t = new TinyTrace()
                .persistent(1, "w", 500).activation(2, "b", 600)
                .op("use", 100, ids(1), ids(), ids())
                .op("peak", 100, ids(), ids(2), ids(2));
        return (usedAgain ? t.op("use", 100, ids(1), ids(), ids()) : t).workload();
    }

    @Test
    void whatHostMemoryCannotHoldGoesThroughTheSsds() {
        // PCIe at 4 bytes/ns (125 ns), host 200 bytes: 300 bytes each way through one SSD at
        // half a byte/ns: out from 100 ns to 700 (op 1 600 ns late), back 600 ns after op 1
        // starts where op 2 was due 100 ns after it (500 ns late)
        TransferBound b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, 4 * BYTE_PER_NS, 200,
                ssd(0, BYTE_PER_NS / 2, 0)));
        assertEquals(1_400, b.boundNs());
        assertEquals("timing", b.limit());
        // two SSDs: 300 ns each way, 300 and 200 ns late
        b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, 4 * BYTE_PER_NS, 200,
                ssd(0, BYTE_PER_NS / 2, 0), ssd(1, BYTE_PER_NS / 2, 0)));
        assertEquals(800, b.boundNs());
        assertEquals("timing", b.limit());
        // at 2 bytes/ns per SSD and 8 on PCIe: 75 and 63 ns each way; the read is hidden by
        // op 1, the write is not: it cannot start before op 0 ends
        b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, 8 * BYTE_PER_NS, 200,
                ssd(0, 2 * BYTE_PER_NS, 0), ssd(1, 2 * BYTE_PER_NS, 0)));
        assertEquals(375, b.boundNs());
        assertEquals("timing", b.limit());
    }

    @Test
    void aTensorNeverUsedAgainCostsNothing() {
        // activation 1 is freed by op 2 without being used there: no plan has to bring it back
        Workload w = new TinyTrace()
                .activation(1, "a", 500).activation(2, "b", 600)
                .op("make", 100, ids(), ids(1), ids())
                .op("peak", 100, ids(), ids(2), ids(2))
                .op("drop", 100, ids(), ids(), ids(1))
                .workload();
        TransferBound b = TransferBound.of(w, hardware(600, BYTE_PER_NS, 0, ssd(0, BYTE_PER_NS, 0)));
        assertEquals(0, b.bytesIn());
        assertEquals(0, b.bytesOut());
        assertEquals(300, b.boundNs());
    }

    @Test
    void aWeightIsWrittenAfterItsLastUseBeforeThePeak() {
        // weight 1 (persistent) is off the device at op 1, 500 bytes at 1 byte/ns each way:
        // written after op 0 (a plan writes every offload), so op 1 starts 500 ns late. Used
        // only by op 0, it is due back in the next iteration, which the bound leaves out.
        HardwareProfile hw = hardware(600, BYTE_PER_NS, 500, ssd(0, BYTE_PER_NS, 0));
        TransferBound b = TransferBound.of(weightIdleAtAPeak(false), hw);
        assertEquals(500, b.bytesIn());
        assertEquals(500, b.bytesOut());
        assertEquals(700, b.boundNs());
        // Used again by op 2, it comes back after op 1 starts, 400 ns after op 2 was due.
        b = TransferBound.of(weightIdleAtAPeak(true), hw);
        assertEquals(1_200, b.boundNs());
        assertEquals("timing", b.limit());
    }

    @Test
    void aWeightLastUsedInThePreviousIterationLeavesAfterThatUse() {
        // weight 1 is used by op 2 only; op 1 (the peak) needs its 500 bytes gone. It leaves
        // after op 2 of the previous iteration, 100 ns before op 1 starts (op 0's time; no
        // stall after op 2 is needed: the weight is due back at op 2 itself, 100 ns after op 1
        // starts, and is 400 ns late). Out 500 ns later: op 1 400 ns late. 300 + 400 + 400 ns.
        Workload w = new TinyTrace()
                .persistent(1, "w", 500).activation(2, "b", 600)
                .op("other", 100, ids(), ids(), ids())
                .op("peak", 100, ids(), ids(2), ids(2))
                .op("use", 100, ids(1), ids(), ids())
                .workload();
        TransferBound b = TransferBound.of(w, hardware(600, BYTE_PER_NS, 500, ssd(0, BYTE_PER_NS, 0)));
        assertEquals(1_100, b.boundNs());
        assertEquals("timing", b.limit());
    }

    @Test
    void theStallsOfSeveralPeaksAddUp() {
        // two micro-batches, each making a 500-byte activation (1, 3) that is idle at its peak
        // (ops 1 and 4, 600 bytes made and freed) and used after it; 100 ns an op, 600 ns ideal.
        // Either peak alone: out 500 ns late, back 400 ns late: 1,500 ns. The chain: before op 1
        // activation 1 leaves (500); between the peaks, activation 1 comes back (400) while
        // activation 3 leaves (500), at once at best (500); after op 4, activation 3 comes back
        // (400): 600 + 500 + 500 + 400 ns.
        Workload w = new TinyTrace()
                .activation(1, "a", 500).activation(2, "p", 600).activation(3, "c", 500).activation(4, "q", 600)
                .op("make", 100, ids(), ids(1), ids())
                .op("peak", 100, ids(), ids(2), ids(2))
                .op("use", 100, ids(1), ids(), ids(1))
                .op("make", 100, ids(), ids(3), ids())
                .op("peak", 100, ids(), ids(4), ids(4))
                .op("use", 100, ids(3), ids(), ids(3))
                .workload();
        HardwareProfile hw = hardware(600, BYTE_PER_NS, 500, ssd(0, BYTE_PER_NS, 0));
        TransferBound b = TransferBound.of(w, hw);
        assertEquals(2_000, b.boundNs());
        assertEquals("timing", b.limit());
        // a plan, simulated, does not beat it (its reads also wait for each peak to end)
        SimulationResult r = Simulator.simulate(w, hw, Policies.byName("teraio").plan(w, hw));
        assertTrue(r.prediction().iterationNs() >= b.boundNs(), r.prediction() + " beats " + b);
    }

    @Test
    void tooLittleToMoveIsInfeasible() {
        // 600 bytes over, but only activation 1 (500 bytes) can leave the device at op 1
        HardwareProfile hw = hardware(500, BYTE_PER_NS, 10_000, ssd(0, BYTE_PER_NS, 0));
        TransferBound b = TransferBound.of(activationIdleAcrossAPeak(), hw);
        assertFalse(b.feasible());
        assertEquals(0.0, b.percentOfIdeal(), 1e-9);
        // and with no SSD, what the host cannot hold has nowhere to go
        b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, BYTE_PER_NS, 499));
        assertFalse(b.feasible());
        assertTrue(TransferBound.of(activationIdleAcrossAPeak(), hardware(600, BYTE_PER_NS, 500)).feasible());
    }
}
