package io.teraio.planner.policy;

import static io.teraio.planner.policy.TinyTrace.MB;
import static io.teraio.planner.policy.TinyTrace.MS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.planner.Policy;
import io.teraio.planner.TransferBound;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TransferBound} is an upper bound in fact: no policy's plan, simulated, beats it on
 * generated training traces from 1.5x to 6x oversubscription, compute-bound ones (where plans
 * reach it) and ones whose transfers outrun the SSDs (where teraio's plans take 2.3 to 2.7
 * times the bound: it leaves out when bytes become idle).
 */
class TransferBoundHoldsTest {
    @ParameterizedTest(name = "weights {0} MB, activations {1} MB, forward op {2} ms, {3} SSDs, host {4} MiB, seed {5}")
    @CsvSource({"4, 16, 40, 1, 0, 1", "8, 16, 40, 2, 512, 3", "2, 32, 20, 2, 0, 1", "16, 8, 10, 2, 0, 1",
        "4, 64, 5, 1, 64, 2", "4, 64, 1, 2, 0, 1", "8, 64, 1, 1, 256, 2"})
    void noPlanBeatsTheBound(long weightMb, long activationMb, long forwardMs, int ssds, long hostMiB, long seed) {
        Workload w = TrainingTraces.transformer(6, weightMb * MB, activationMb * MB, forwardMs * MS, seed);
        int ran = 0;
        for (double oversubscription = 1.5; oversubscription <= 6; oversubscription += 1.5) {
            HardwareProfile hw = TrainingTraces.oversubscribed(w, oversubscription, ssds, hostMiB << 20);
            TransferBound bound = TransferBound.of(w, hw);
            for (Policy policy : Policies.all()) {
                SimulationResult r;
                try {
                    r = Simulator.simulate(w, hw, policy.plan(w, hw));
                } catch (TeraioException e) {
                    continue; // the policy finds no plan: nothing to hold against the bound
                }
                if (!r.ran()) {
                    continue;
                }
                ran++;
                String at = oversubscription + "x, " + policy.name() + ": ";
                assertTrue(bound.feasible(), at + "a plan ran where the bound says none can: " + bound);
                assertTrue(r.prediction().iterationNs() >= bound.boundNs(),
                        at + r.prediction().iterationNs() + " ns beats the bound " + bound);
            }
        }
        assertTrue(ran >= 4, "only " + ran + " plans ran");
    }
}
