package io.teraio.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.plan.TraceDigest;
import io.teraio.planner.TeraioPlanMaker;
import io.teraio.planner.Workload;
import org.junit.jupiter.api.Test;

/** The planner as the embedding API's auto mode finds and uses it. */
class TeraioPlanMakerTest {
    @Test
    void serviceLoaderFindsItAndItsPlanFitsTheDevice() {
        PlanMaker maker = PlanMaker.load();
        assertInstanceOf(TeraioPlanMaker.class, maker);
        assertEquals("teraio", maker.name());

        Workload w = TrainingTraces.transformer(4, 1 << 20, 4 << 20, 1_000_000, 1);
        long capacity = w.peakLiveBytes() / 2;
        PlanMaker.MadePlan made = maker.make(w.trace(), TrainingTraces.hardware(capacity, 1, 0));
        assertFalse(made.plan().entries().isEmpty());
        assertEquals(TraceDigest.sha256(w.trace()), made.plan().traceSha256());
        assertEquals(w.opCount(), made.plan().opsPerIteration());
        assertTrue(made.predictedPeakBytes() <= capacity, made.toString());
        assertEquals(w.peakLiveBytes(), made.predictedUnconstrainedBytes());
        assertEquals(made.predictedPeakBytes(), made.plan().predicted().peakDeviceBytes());
    }

    @Test
    void aDeviceTooSmallForOneOpIsAClearError() {
        Workload w = TrainingTraces.transformer(2, 1 << 20, 4 << 20, 1_000_000, 1);
        TeraioException e = assertThrows(TeraioException.class,
                () -> new TeraioPlanMaker().make(w.trace(), TrainingTraces.hardware(1 << 20, 1, 0)));
        assertTrue(e.getMessage().contains("needs") || e.getMessage().contains("cannot fit"), e.getMessage());
    }
}
