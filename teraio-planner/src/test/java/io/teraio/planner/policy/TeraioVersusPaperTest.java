package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * teraio is at least as good as teraio-paper on generated training traces from 2x to 6x
 * oversubscription: in the planning model (it fits whenever the paper's plan fits, with no
 * more predicted stall), and in the simulator (it runs whenever the paper's plan runs, and
 * its iteration is no longer, within 0.1%).
 */
class TeraioVersusPaperTest {
    @ParameterizedTest(name = "weights {0} MB, activations {1} MB, forward op {2} ms, {3} SSDs, host {4} MiB, seed {5}")
    @CsvSource({
        // Bandwidth to spare: both fit on time up to 4x, teraio forces moves beyond.
        "4, 16, 40, 1, 0, 1", "4, 16, 40, 1, 0, 2",
        // Host memory and SSDs.
        "8, 16, 40, 2, 512, 1", "8, 16, 40, 2, 512, 3",
        // Activations dominate.
        "2, 32, 20, 2, 0, 1",
        // The optimizer step outruns the SSDs: the paper runs out of memory, teraio stalls.
        "16, 8, 10, 2, 0, 1"})
    void teraioIsAtLeastAsGood(long weightMb, long activationMb, long forwardMs, int ssds, long hostMiB, long seed) {
        Workload w = TrainingTraces.transformer(6, weightMb * MB, activationMb * MB, forwardMs * MS, seed);
        int compared = 0;
        for (double oversubscription = 2; oversubscription <= 6; oversubscription++) {
            HardwareProfile hw = TrainingTraces.oversubscribed(w, oversubscription, ssds, hostMiB << 20);
            String at = oversubscription + "x: ";
            if (!feasible(w, hw)) {
                continue;
            }
            compared++;
            GreedyState paper = new TeraioPaperPolicy().run(w, hw);
            GreedyState ours = new TeraioPolicy().run(w, hw);
            ModelOutcome p = paper.outcome();
            ModelOutcome o = ours.outcome();
            assertTrue(o.atLeastAsGoodAs(p), at + "teraio " + o + " vs teraio-paper " + p);
            assertTrue(o.overflowNs() == 0, at + "teraio does not fit: " + o);

            SimulationResult ps = Simulator.simulate(w, hw, paper.entries());
            SimulationResult os = Simulator.simulate(w, hw, new TeraioPolicy().plan(w, hw));
            assertTrue(os.ran(), at + "teraio's plan does not run: " + os.outOfMemory());
            if (ps.ran()) {
                long ourNs = os.prediction().iterationNs();
                long paperNs = ps.prediction().iterationNs();
                assertTrue(ourNs <= paperNs + paperNs / 1000, at + "teraio " + ourNs + " ns vs teraio-paper " + paperNs + " ns");
            }
        }
        assertTrue(compared >= 4, "only " + compared + " oversubscriptions are feasible");
    }

    private static boolean feasible(Workload w, HardwareProfile hw) {
        try {
            Periods.requireFits(w, hw.device().memoryBytes(), false);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
