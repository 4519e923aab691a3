package io.teraio.planner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.planner.PlanValidator;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checks every policy's plans must pass. */
final class PlanChecks {
    private PlanChecks() {
    }

    /** One offload and the prefetch that closes it, with the op range the tensor is away over. */
    record Pair(int slot, PlanEntry offload, PlanEntry prefetch, int from, int length) {
    }

    /**
     * Asserts the plan-entry semantics: issue order; per tensor, entries alternate offload and
     * prefetch (cyclically for a tensor resident across the iteration boundary, whose entries
     * may start with the prefetch that closes the last offload); each pair uses one target and
     * SSD; no op from the offload's issue to the prefetch's deadline needs the tensor (so the
     * offload comes after the previous use and the prefetch is due at or before the next one);
     * the prefetch is issued between the two; only wrapping tensors wrap; transient tensors are
     * offloaded after their allocation and brought back before their free; a tensor that does
     * not wrap may end with an offload (a tail) after which no op needs it. The shared
     * {@link PlanValidator} must accept the plan's structure as well.
     *
     * @return the pairs
     */
    static List<Pair> assertFollowsSemantics(Workload w, HardwareProfile hw, List<PlanEntry> entries) {
        int n = w.opCount();
        Map<Integer, List<PlanEntry>> byTensor = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            PlanEntry e = entries.get(i);
            if (i > 0) {
                assertTrue(entries.get(i - 1).issueAtOp() <= e.issueAtOp(), "entries out of issue order at " + i);
            }
            assertTrue(e.issueAtOp() >= 0 && e.issueAtOp() < n && e.deadlineOp() >= 0 && e.deadlineOp() < n,
                    "op out of range: " + e);
            if (e.target() == PlanTarget.SSD) {
                List<Ssd> ssds = hw.ssdsFor(0);
                assertTrue(ssds.stream().anyMatch(s -> s.id() == e.ssd()), "no such SSD: " + e);
            } else {
                assertEquals(-1, e.ssd(), "host entry names an SSD: " + e);
            }
            byTensor.computeIfAbsent(e.tensor(), id -> new ArrayList<>()).add(e);
        }
        List<Pair> pairs = new ArrayList<>();
        for (Map.Entry<Integer, List<PlanEntry>> group : byTensor.entrySet()) {
            int slot = w.trace().slotOf(group.getKey());
            assertTrue(slot >= 0, "unknown tensor " + group.getKey());
            assertEquals(w.tensor(slot).key(), group.getValue().get(0).key(), "key of tensor " + group.getKey());
            assertTrue(w.offloadable(slot) && w.inIteration(slot), "tensor not plannable: " + group.getValue().get(0));
            List<PlanEntry> list = new ArrayList<>(group.getValue());
            boolean wraps = w.wraps(slot);
            if (list.get(0).action() == PlanAction.PREFETCH) {
                assertTrue(wraps, "a non-wrapping tensor starts with a prefetch: " + list.get(0));
                list.add(list.remove(0));
            }
            if (list.size() % 2 == 1 && !wraps) {
                // a tail: written out after the tensor's last use, never read back
                PlanEntry tail = list.remove(list.size() - 1);
                assertEquals(PlanAction.OFFLOAD, tail.action(), "unpaired entries for " + tail);
                assertTrue(tail.issueAtOp() > w.allocOp(slot) && tail.issueAtOp() <= w.freeOp(slot),
                        "a tail outside its tensor's life: " + tail);
                for (int op = tail.issueAtOp(); op < n; op++) {
                    for (int t : w.needs(op)) {
                        assertFalse(t == slot, "op " + op + " needs " + tail.key() + " after its tail: " + tail);
                    }
                }
            }
            assertEquals(0, list.size() % 2, () -> "unpaired entries for " + list.get(0));
            if (list.isEmpty()) {
                continue;
            }
            List<Pair> mine = new ArrayList<>();
            for (int i = 0; i < list.size(); i += 2) {
                PlanEntry off = list.get(i);
                PlanEntry pre = list.get(i + 1);
                assertEquals(PlanAction.OFFLOAD, off.action(), "expected an offload: " + off);
                assertEquals(PlanAction.PREFETCH, pre.action(), "expected a prefetch: " + pre);
                assertEquals(off.target(), pre.target(), "prefetch reads elsewhere: " + pre);
                assertEquals(off.ssd(), pre.ssd(), "prefetch reads another SSD: " + pre);
                int length = Math.floorMod(pre.deadlineOp() - off.issueAtOp(), n);
                if (length == 0) {
                    length = n;
                }
                int preIssue = Math.floorMod(pre.issueAtOp() - off.issueAtOp(), n);
                assertTrue(preIssue <= length, "prefetch issued outside its period: " + off + " / " + pre);
                if (!wraps) {
                    assertTrue(off.issueAtOp() < pre.deadlineOp() && off.issueAtOp() <= pre.issueAtOp()
                            && pre.issueAtOp() <= pre.deadlineOp(), "a non-wrapping tensor wraps: " + off + " / " + pre);
                    assertTrue(off.issueAtOp() > w.allocOp(slot), "offloaded before its allocation: " + off);
                    assertTrue(pre.deadlineOp() <= w.freeOp(slot), "brought back after its free: " + pre);
                }
                for (int j = 0; j < length; j++) {
                    int op = (off.issueAtOp() + j) % n;
                    for (int t : w.needs(op)) {
                        assertFalse(t == slot, "op " + op + " needs " + off.key() + " while it is away: " + off + " / " + pre);
                    }
                }
                mine.add(new Pair(slot, off, pre, off.issueAtOp(), length));
            }
            for (int i = 0; i < mine.size(); i++) {
                Pair a = mine.get(i);
                Pair b = mine.get((i + 1) % mine.size());
                int gap = Math.floorMod(b.from() - a.from(), n);
                if (mine.size() > 1) {
                    assertTrue(a.length() < gap, "pairs of " + a.offload().key() + " overlap");
                }
            }
            pairs.addAll(mine);
        }
        try {
            PlanValidator.validateStructure(w, new Plan("0".repeat(64), n, hw, "test", entries, null), "plan", false);
        } catch (RuntimeException e) {
            fail("PlanValidator rejects the plan: " + e.getMessage());
        }
        return pairs;
    }

    /**
     * Asserts that with every transfer at full speed from its issue (no contention, the best
     * case) the entries keep the memory at or under the capacity: an offload frees its tensor
     * from the first op that starts after it can complete, a prefetch takes it back at its issue.
     */
    static void assertFitsWithoutContention(Workload w, HardwareProfile hw, List<Pair> pairs) {
        int n = w.opCount();
        long[] delta = new long[n + 1];
        long pcie = hw.device().pcieBytesPerSecond();
        for (Pair p : pairs) {
            long bytes = w.bytes(p.slot());
            long rate = pcie;
            long latency = 0;
            if (p.offload().target() == PlanTarget.SSD) {
                Ssd ssd = hw.ssds().get(p.offload().ssd());
                rate = Math.min(rate, ssd.writeBytesPerSecond());
                latency = ssd.latencyNs();
            }
            long done = unrolledStart(w, p.from()) + (long) Math.ceil(bytes * 1e9 / rate) + latency;
            int free = p.from();
            int awayUntil = p.from() + Math.floorMod(p.prefetch().issueAtOp() - p.from(), n);
            while (free < awayUntil && unrolledStart(w, free) < done) {
                free++;
            }
            for (int k = free; k < awayUntil; k++) {
                delta[k % n] -= bytes;
                delta[k % n + 1] += bytes;
            }
        }
        long away = 0;
        for (int k = 0; k < n; k++) {
            away += delta[k];
            assertTrue(w.liveBytes(k) + away <= hw.device().memoryBytes(), "op " + k + " holds "
                    + (w.liveBytes(k) + away) + " bytes, more than " + hw.device().memoryBytes());
        }
    }

    private static long unrolledStart(Workload w, int unrolled) {
        int n = w.opCount();
        return unrolled >= n ? w.idealNs() + w.startNs(unrolled - n) : w.startNs(unrolled);
    }

    /** Simulates the plan and asserts the simulation needed no rescue (no skipped entry, no demand fetch). */
    static SimulationResult simulateCleanly(Workload w, HardwareProfile hw, List<PlanEntry> entries) {
        SimulationResult r = Simulator.simulate(w, hw, entries);
        assertEquals(0, r.skippedEntries(), "skipped entries");
        assertEquals(0, r.demandFetches(), "demand fetches");
        return r;
    }
}
