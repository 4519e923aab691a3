package io.teraio.planner.policy;

import static org.junit.jupiter.api.Assertions.assertNull;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Plans that lean on a small host memory stay under its cap as the simulator counts it:
 * host memory is held until a prefetch completes, which can be after its next use's op is
 * reached when the prefetch is late.
 */
class HostCapTest {
    @ParameterizedTest
    @ValueSource(longs = {8, 16, 32, 64})
    void teraioKeepsHostUseUnderTheCapInTheSimulator(long hostMiB) {
        Workload w = TrainingTraces.transformer(6, 24L << 20, 96L << 20, 2_000_000, 7);
        for (double over : new double[] {2, 3, 4}) {
            HardwareProfile hw = TrainingTraces.oversubscribed(w, over, 1, hostMiB << 20);
            List<PlanEntry> entries = new TeraioPolicy().plan(w, hw);
            SimulationResult r = Simulator.simulate(w, hw, entries);
            assertNull(r.outOfMemory(), r.outOfMemory());
            assertNull(r.hostMemoryViolation(), over + "x, host " + hostMiB + " MiB: " + r.hostMemoryViolation());
        }
    }
}
