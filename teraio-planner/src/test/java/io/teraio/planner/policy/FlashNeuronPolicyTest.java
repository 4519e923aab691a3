package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlashNeuronPolicyTest {
    @Test
    void onlyActivationsMoveToSsdsBetweenForwardAndBackward() {
        Workload w = TrainingTraces.transformer(6, MB, 32 * MB, 20 * MS, 1);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, 2, 2, 1L << 30);
        List<PlanEntry> entries = new FlashNeuronPolicy().plan(w, hw);
        assertFalse(entries.isEmpty());
        int peak = FlashNeuronPolicy.peakOp(w);
        for (PlanChecks.Pair pair : PlanChecks.assertFollowsSemantics(w, hw, entries)) {
            Tensor t = w.tensor(pair.slot());
            assertTrue(!t.persistent() && t.kind() == TensorKind.ACTIVATION, "moves " + t);
            assertEquals(PlanTarget.SSD, pair.offload().target());
            assertTrue(pair.offload().issueAtOp() <= peak + 1 && pair.prefetch().deadlineOp() > peak,
                    "not across the forward/backward turn at op " + peak + ": " + pair.offload());
        }
        assertTrue(PlanChecks.simulateCleanly(w, hw, entries).ran());
    }

    @Test
    void itWritesNoMoreThanTheSsdsCanDuringTheForwardPass() {
        Workload w = TrainingTraces.transformer(6, MB, 32 * MB, 20 * MS, 2);
        HardwareProfile hw = TrainingTraces.oversubscribed(w, 3, 1, 0);
        List<PlanEntry> entries = new FlashNeuronPolicy().plan(w, hw);
        Ssd ssd = hw.ssds().get(0);
        long rate = Math.min(ssd.writeBytesPerSecond(), hw.device().pcieBytesPerSecond());
        long writeNs = 0;
        for (PlanEntry e : entries) {
            if (e.action() == PlanAction.OFFLOAD) {
                writeNs += (long) Math.ceil(w.trace().tensor(e.tensor()).bytes() * 1e9 / rate) + ssd.latencyNs();
            }
        }
        assertTrue(writeNs > 0);
        assertTrue(writeNs <= w.startNs(FlashNeuronPolicy.peakOp(w) + 1), writeNs + " ns of writes in a forward pass of "
                + w.startNs(FlashNeuronPolicy.peakOp(w) + 1) + " ns");
    }

    @Test
    void itStopsOnceMemoryFits() {
        Workload w = TrainingTraces.transformer(6, MB, 32 * MB, 20 * MS, 3);
        long few = offloads(new FlashNeuronPolicy().plan(w, TrainingTraces.oversubscribed(w, 1.2, 2, 0)));
        long more = offloads(new FlashNeuronPolicy().plan(w, TrainingTraces.oversubscribed(w, 2, 2, 0)));
        assertTrue(few > 0 && few < more, few + " offloads at 1.2x, " + more + " at 2x");
        assertEquals(List.of(), new FlashNeuronPolicy().plan(w, TrainingTraces.oversubscribed(w, 1, 2, 0)));
    }

    private static long offloads(List<PlanEntry> entries) {
        return entries.stream().filter(e -> e.action() == PlanAction.OFFLOAD).count();
    }
}
