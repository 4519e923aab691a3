package io.teraio.planner;

import static io.teraio.planner.TinyTrace.BYTE_PER_NS;
import static io.teraio.planner.TinyTrace.hardware;
import static io.teraio.planner.TinyTrace.ids;
import static io.teraio.planner.TinyTrace.ssd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
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
        // way at 1 byte/ns, with the host holding it. Made at op 0 and used at op 2, it must be
        // out before op 1 starts and come back after: 500 ns + 500 ns, not overlapped.
        TransferBound b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, BYTE_PER_NS, 500,
                ssd(0, BYTE_PER_NS, 0)));
        assertEquals(1, b.atOp());
        assertEquals(500, b.bytesIn());
        assertEquals(500, b.bytesOut());
        assertEquals(1_000, b.boundNs());
        assertEquals("split", b.limit());
        assertEquals(30.0, b.percentOfIdeal(), 1e-9);
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
        // half a byte/ns, 600 ns out before op 1 and 600 ns back after it.
        TransferBound b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, 4 * BYTE_PER_NS, 200,
                ssd(0, BYTE_PER_NS / 2, 0)));
        assertEquals(1_200, b.boundNs());
        assertEquals("split", b.limit());
        // two SSDs: 300 ns each way, longer than op 0 (100 ns) before and ops 1 and 2 (200 ns) after
        b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, 4 * BYTE_PER_NS, 200,
                ssd(0, BYTE_PER_NS / 2, 0), ssd(1, BYTE_PER_NS / 2, 0)));
        assertEquals(600, b.boundNs());
        assertEquals("split", b.limit());
        // at 2 bytes/ns per SSD and 8 on PCIe: 75 and 63 ns each way, hidden by the compute on both sides
        b = TransferBound.of(activationIdleAcrossAPeak(), hardware(600, 8 * BYTE_PER_NS, 200,
                ssd(0, 2 * BYTE_PER_NS, 0), ssd(1, 2 * BYTE_PER_NS, 0)));
        assertEquals(300, b.boundNs());
        assertEquals("compute", b.limit());
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
    void aWeightComesBackButNeedNotBeWritten() {
        // weight 1 (persistent) is off the device at op 1, 500 bytes at 1 byte/ns to read back;
        // a trace does not say it was modified, so it need not be written. Used only by op 0,
        // it is read any time before the next iteration's op 0: 500 ns in all.
        HardwareProfile hw = hardware(600, BYTE_PER_NS, 500, ssd(0, BYTE_PER_NS, 0));
        TransferBound b = TransferBound.of(weightIdleAtAPeak(false), hw);
        assertEquals(500, b.bytesIn());
        assertEquals(0, b.bytesOut());
        assertEquals(500, b.boundNs());
        // Used again by op 2, it comes back after op 1 starts, and op 0 comes before that.
        b = TransferBound.of(weightIdleAtAPeak(true), hw);
        assertEquals(600, b.boundNs());
        assertEquals("split", b.limit());
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
