package io.teraio.planner.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The simulator on many random small traces and plans (fixed seeds): what holds for every
 * plan the validator accepts, and that any plan, valid or not, runs to an end.
 */
class SimulatorPropertiesTest {
    private static final int CASES = 400;

    @Test
    void validPlansNeedNoRescueAndTheirStallsAddUp() {
        int valid = 0;
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            Workload w = Workload.of(randomTrace(random));
            List<PlanEntry> entries = gapPlan(w, random, false);
            HardwareProfile hw = hardware(Math.max(1, w.peakLiveBytes()), random);
            Plan plan = new Plan("0", w.opCount(), hw, "random", entries, null);
            if (!PlanValidator.problems(w, plan, "seed " + seed, false).isEmpty()) {
                continue;
            }
            valid++;
            SimulationResult r = Simulator.simulate(w, hw, entries);
            String where = "seed " + seed;
            assertTrue(r.ran(), where);
            assertEquals(0, r.demandFetches(), where);
            assertEquals(0, r.skippedEntries(), where);
            long stall = r.stallNsByCause().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(r.prediction().iterationNs() - w.idealNs(), stall, where);
            assertEquals(stall, r.prediction().stallNs(), where);
            assertTrue(r.prediction().peakDeviceBytes() <= w.peakLiveBytes(), where);
        }
        assertTrue(valid > CASES / 4, "only " + valid + " of " + CASES + " random plans were valid");
    }

    @Test
    void anyPlanRunsToAnEndUnderAnyCapacity() {
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(1000 + seed);
            Workload w = Workload.of(randomTrace(random));
            List<PlanEntry> entries = gapPlan(w, random, true);
            long most = 0;
            for (int k = 0; k < w.opCount(); k++) {
                most = Math.max(most, w.neededBytes(k));
            }
            long capacity = most + (long) (random.nextDouble() * (w.peakLiveBytes() - most + 1));
            HardwareProfile hw = hardware(Math.max(1, capacity), random);
            try {
                SimulationResult r = Simulator.simulate(w, hw, entries);
                if (r.ran()) {
                    assertTrue(r.prediction().peakDeviceBytes() <= Math.max(1, capacity), "seed " + seed);
                    assertTrue(r.prediction().iterationNs() >= w.idealNs(), "seed " + seed);
                }
            } catch (TeraioException e) {
                assertTrue(e.getMessage().contains("entry"), e.getMessage());
            }
        }
    }

    private static HardwareProfile hardware(long memoryBytes, Random random) {
        List<Ssd> ssds = List.of(new Ssd(0, null, 1_000_000_000L, 500_000_000L, random.nextInt(200), -1),
                new Ssd(1, null, 2_000_000_000L, 2_000_000_000L, random.nextInt(200), -1));
        return new HardwareProfile(List.of(new Device(0, memoryBytes, 1_500_000_000L)), ssds, 1L << 40);
    }

    /**
     * Two iterations of the same random op sequence: persistent tensors used at random,
     * activations allocated by one op, used by some later ones and freed by a later one (or
     * left to the iteration's end), a few tensors carried from one iteration into the next.
     */
    static Trace randomTrace(Random random) {
        int n = 4 + random.nextInt(30);
        int persistent = 1 + random.nextInt(5);
        int transients = random.nextInt(8);
        List<Tensor> tensors = new ArrayList<>();
        for (int p = 0; p < persistent; p++) {
            tensors.add(new Tensor(p, "p" + p, 1 + random.nextInt(1000), TensorKind.PARAMETER, true,
                    random.nextInt(5) > 0, 0));
        }
        // Per transient: alloc op, free op (n = end of iteration), uses in between.
        int[] alloc = new int[transients];
        int[] free = new int[transients];
        long[] bytes = new long[transients];
        for (int a = 0; a < transients; a++) {
            alloc[a] = random.nextInt(n);
            free[a] = random.nextInt(4) == 0 ? n : alloc[a] + random.nextInt(n - alloc[a]);
            bytes[a] = 1 + random.nextInt(2000);
        }
        List<List<Integer>> uses = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            List<Integer> u = new ArrayList<>();
            for (int p = 0; p < persistent; p++) {
                if (random.nextInt(3) == 0) {
                    u.add(p);
                }
            }
            uses.add(u);
        }
        List<Op> ops = new ArrayList<>();
        int nextId = persistent;
        int[][] ids = new int[2][transients];
        for (int it = 0; it < 2; it++) {
            for (int a = 0; a < transients; a++) {
                ids[it][a] = nextId++;
                tensors.add(new Tensor(ids[it][a], "op" + alloc[a] + ".out" + a, bytes[a], TensorKind.ACTIVATION,
                        false, random.nextInt(5) > 0, 0));
            }
            for (int k = 0; k < n; k++) {
                List<Integer> u = new ArrayList<>(uses.get(k));
                List<Integer> al = new ArrayList<>();
                List<Integer> fr = new ArrayList<>();
                for (int a = 0; a < transients; a++) {
                    int id = ids[it][a];
                    if (alloc[a] == k) {
                        al.add(id);
                    } else if (k > alloc[a] && k <= Math.min(free[a], n - 1) && random.nextInt(3) == 0) {
                        u.add(id);
                    }
                    if (free[a] == k) {
                        fr.add(id);
                    }
                    // An activation left alive by the previous iteration is freed by op 0 of this one.
                    if (it == 1 && free[a] == n && k == 0) {
                        fr.add(ids[0][a]);
                    }
                }
                ops.add(new Op(ops.size(), "op" + k, random.nextInt(500), toArray(u), toArray(al), toArray(fr)));
            }
        }
        return new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, n), new Iteration(1, n, n)), tensors, ops);
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * For some tensors, an offload and a prefetch over a random idle gap (wrapping for tensors
     * resident across the boundary), at random places within it, to a random target; with
     * {@code anything}, also entries at random places that break the rules.
     */
    static List<PlanEntry> gapPlan(Workload w, Random random, boolean anything) {
        int n = w.opCount();
        List<PlanEntry> entries = new ArrayList<>();
        for (int t = 0; t < w.tensorCount(); t++) {
            int[] uses = w.useOps(t);
            if (!w.inIteration(t) || uses.length == 0 || random.nextInt(4) == 0) {
                continue;
            }
            String key = w.tensor(t).key();
            int id = w.tensorId(t);
            int ssd = random.nextInt(3) - 1;
            PlanTarget target = ssd < 0 ? PlanTarget.HOST : PlanTarget.SSD;
            if (anything && random.nextInt(3) == 0) {
                for (int i = random.nextInt(4); i > 0; i--) {
                    PlanAction action = random.nextBoolean() ? PlanAction.OFFLOAD : PlanAction.PREFETCH;
                    entries.add(new PlanEntry(id, key, action, target, ssd, random.nextInt(n), random.nextInt(n),
                            random.nextBoolean()));
                }
                continue;
            }
            int gaps = uses.length - 1 + (w.wraps(t) ? 1 : 0);
            if (gaps == 0) {
                // Only one use: from it to the end (freed later), if the tensor is not wrapping.
                if (uses[0] + 1 < n && w.freeOp(t) > uses[0]) {
                    entries.add(new PlanEntry(id, key, PlanAction.OFFLOAD, target, ssd, uses[0] + 1, uses[0] + 1,
                            false));
                }
                continue;
            }
            int g = random.nextInt(gaps);
            int from = uses[g];
            int to = g + 1 < uses.length ? uses[g + 1] : uses[0] + n;
            if (to - from < 2) {
                continue;
            }
            int offloadAt = from + 1 + random.nextInt(to - from - 1);
            int dueAt = offloadAt + random.nextInt(to - offloadAt + 1);
            int prefetchAt = offloadAt + random.nextInt(dueAt - offloadAt + 1);
            if (dueAt - prefetchAt >= n || prefetchAt - offloadAt >= n) {
                continue;
            }
            entries.add(new PlanEntry(id, key, PlanAction.OFFLOAD, target, ssd, offloadAt % n, dueAt % n, false));
            entries.add(new PlanEntry(id, key, PlanAction.PREFETCH, target, ssd, prefetchAt % n, dueAt % n,
                    random.nextInt(5) == 0));
        }
        return entries;
    }
}
