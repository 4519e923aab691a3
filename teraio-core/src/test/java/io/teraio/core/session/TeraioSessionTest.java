package io.teraio.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.TensorState;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding API as a trainer uses it: registration, ops, profiling, a plan applied, divergence, memory. */
class TeraioSessionTest {
    private static final long KIB = 1024;
    private static final long ACT = 64 * KIB;

    @TempDir
    Path dir;

    private TeraioConfig config(String deviceMemory) {
        Map<String, String> args = new HashMap<>();
        args.put("dirs", dir.toString());
        args.put("deviceMemory", deviceMemory);
        args.put("hostMemory", "0");
        args.put("io.preallocate", "1m");
        args.put("io.taskSize", "64k");
        return TeraioConfig.resolve(args, Map.of(), Map.of());
    }

    /** Writes a pattern that names {@code seed} into every long of the buffer. */
    private static void fill(DeviceBuffer b, long seed) {
        ByteBuffer v = b.hostView(0, (int) b.bytes());
        for (int at = 0; at + 8 <= v.limit(); at += 8) {
            v.putLong(at, seed * 31 + at);
        }
    }

    private static boolean holds(DeviceBuffer b, long seed) {
        ByteBuffer v = b.hostView(0, (int) b.bytes());
        for (int at = 0; at + 8 <= v.limit(); at += 8) {
            if (v.getLong(at) != seed * 31 + at) {
                return false;
            }
        }
        return true;
    }

    /**
     * One iteration of a tiny training step: op 0 "produce" allocates an activation, ops 1 and
     * 2 "work" on the parameter, op 3 "consume" checks the activation and frees it.
     * Returns whether the activation came back intact.
     */
    private static boolean step(TeraioSession s, TensorHandle param, int iteration, String secondOpName) {
        s.beginOp("produce", param);
        TensorHandle act = s.allocate(ACT, TensorKind.ACTIVATION);
        fill(s.acquire(act), iteration);
        s.endOp();
        s.beginOp("work", param);
        s.acquire(param);
        settle(s, act); // the op takes as long as the offload the plan issued at it
        s.endOp();
        s.beginOp(secondOpName, param);
        s.acquire(param);
        settle(s, act);
        s.endOp();
        s.beginOp("consume", act);
        boolean intact = holds(s.acquire(act), iteration);
        s.free(act);
        s.endOp();
        s.endIteration();
        return intact;
    }

    /** Waits until the tensor is not moving (at most 30 s). */
    static void settle(TeraioSession s, TensorHandle t) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        TensorState state;
        while (((state = s.residency(t)) == TensorState.OFFLOADING || state == TensorState.PREFETCHING)
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static TensorHandle param(TeraioSession s) {
        TensorHandle p = s.register("w", 16 * KIB, TensorKind.PARAMETER, false);
        fill(s.acquire(p), 99);
        return p;
    }

    @Test
    void registrationErrorsNameTheTensor() {
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.off())) {
            s.register("w", 4 * KIB, TensorKind.PARAMETER, true);
            IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                    () -> s.register("w", 4 * KIB, TensorKind.PARAMETER, true));
            assertTrue(dup.getMessage().contains("'w'") && dup.getMessage().contains("already registered"),
                    dup.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.register(" ", 4 * KIB, TensorKind.PARAMETER, true));
            IllegalArgumentException site = assertThrows(IllegalArgumentException.class,
                    () -> s.register("op3.out0", 4 * KIB, TensorKind.PARAMETER, true));
            assertTrue(site.getMessage().contains("op<k>.out<slot>"), site.getMessage());
            IllegalArgumentException bytes = assertThrows(IllegalArgumentException.class,
                    () -> s.register("b", 0, TensorKind.PARAMETER, true));
            assertTrue(bytes.getMessage().contains("bytes must be positive"), bytes.getMessage());
            DeviceBuffer closed = s.memory().tryAllocate(4 * KIB);
            closed.close();
            IllegalArgumentException closedBuffer = assertThrows(IllegalArgumentException.class,
                    () -> s.register("c", closed, TensorKind.PARAMETER, true));
            assertTrue(closedBuffer.getMessage().contains("closed"), closedBuffer.getMessage());
        }
    }

    @Test
    void unknownFreedAndClosedTensorsAreRefused() {
        TensorHandle act;
        TensorHandle foreign;
        try (TeraioSession other = TeraioSession.open(config("1m"), SessionOptions.off())) {
            foreign = other.register("w", 4 * KIB, TensorKind.PARAMETER, true);
            try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.off())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.acquire(foreign));
                assertTrue(e.getMessage().contains("another session"), e.getMessage());

                assertThrows(IllegalStateException.class, () -> s.allocate(ACT, TensorKind.ACTIVATION));
                s.beginOp("produce");
                act = s.allocate(ACT, TensorKind.ACTIVATION);
                assertEquals("op0.out0", act.key());
                assertThrows(IllegalStateException.class, () -> s.beginOp("nested"));
                assertThrows(IllegalStateException.class, s::endIteration);
                s.endOp();
                s.endIteration(); // frees the activation: it lives at most to the end of its iteration
                assertTrue(act.isFreed());
                IllegalArgumentException freed = assertThrows(IllegalArgumentException.class, () -> s.acquire(act));
                assertTrue(freed.getMessage().contains("'op0.out0'") && freed.getMessage().contains("freed"),
                        freed.getMessage());
                assertThrows(IllegalArgumentException.class, () -> s.free(act));
                assertThrows(IllegalArgumentException.class, () -> s.beginOp("next", act));
            }
        }
        assertTrue(foreign.isFreed());
        TeraioSession closed = TeraioSession.open(config("1m"), SessionOptions.off());
        TensorHandle w = closed.register("w", 4 * KIB, TensorKind.PARAMETER, true);
        closed.close();
        closed.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> closed.acquire(w));
        assertThrows(IllegalStateException.class, () -> closed.beginOp("x"));
        assertTrue(w.isFreed());
    }

    @Test
    void profileModeRecordsTheProfiledIterationsWithAllocationSiteKeys() {
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.profile(1, 2))) {
            TensorHandle p = param(s);
            for (int i = 0; i < 4; i++) {
                assertTrue(step(s, p, i, "work"));
                assertEquals(i < 2, s.trace() == null, "trace after iteration " + i);
            }
            Trace trace = s.trace();
            assertEquals(2, trace.iterations().size());
            assertEquals(8, trace.ops().size());
            assertEquals(List.of("produce", "work", "work", "consume"),
                    trace.ops().subList(4, 8).stream().map(Op::name).toList());
            List<String> keys = trace.tensors().stream().map(Tensor::key).toList();
            assertEquals(List.of("w", "op0.out0", "op0.out0"), keys);
            assertTrue(trace.tensors().get(0).persistent());
            assertFalse(trace.tensors().get(1).persistent());
            Op consume = trace.ops().get(7);
            assertEquals(1, consume.frees().length);
            assertNull(s.plan());
        }
    }

    /** A plan for {@link #step}: the activation goes to SSD 0 after op 0 and comes back for op 3. */
    private static Plan plan(Trace profile) {
        Iteration last = profile.iterations().get(profile.iterations().size() - 1);
        int activation = profile.ops().get(last.firstOp()).allocs()[0];
        List<PlanEntry> entries = List.of(
                new PlanEntry(activation, "op0.out0", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 1, 1, false),
                new PlanEntry(activation, "op0.out0", PlanAction.PREFETCH, PlanTarget.SSD, 0, 2, 3, false));
        HardwareProfile hw = TeraioSession.hardwareOf(TeraioConfig.resolve(Map.of("dirs", "/x"), Map.of(), Map.of()));
        return new Plan(TraceDigest.sha256(profile), last.opCount(), hw, "test", entries, null);
    }

    private Trace profile() {
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.profile(0, 1))) {
            step(s, param(s), 0, "work");
            return s.trace();
        }
    }

    @Test
    void offloadModeMovesTheActivationOutAndBackIntact() {
        Trace profile = profile();
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.offload(plan(profile), profile))) {
            TensorHandle p = param(s);
            for (int i = 0; i < 3; i++) {
                assertTrue(step(s, p, i, "work"), "iteration " + i);
            }
            SessionStats st = s.stats();
            assertEquals(0, st.planFromIteration());
            assertEquals(-1, st.deviceUsedBytes(), "host memory: no device's own count");
            assertEquals(3 * ACT, st.bytesOffloaded());
            assertEquals(3 * ACT, st.bytesPrefetched());
            assertEquals(6, st.planIssued());
            assertEquals(0, st.divergences());
            assertTrue(st.withinBudget());
        }
    }

    @Test
    void theFirstPlannedIterationStartsWithWhatThePlanKeepsOffloadedOut() {
        Trace profile = profile();
        Plan base = plan(profile);
        int param = profile.tensors().get(0).id();
        List<PlanEntry> entries = new ArrayList<>(base.entries());
        // w: written out after its last use (op 2) and read back for op 0 of the next iteration
        entries.add(new PlanEntry(param, "w", PlanAction.OFFLOAD, PlanTarget.SSD, 0, 3, 3, false));
        entries.add(new PlanEntry(param, "w", PlanAction.PREFETCH, PlanTarget.SSD, 0, 3, 0, false));
        Plan plan = new Plan(base.traceSha256(), base.opsPerIteration(), base.hardware(), "test", entries, null);
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.offload(plan, profile))) {
            TensorHandle p = param(s);
            for (int i = 0; i < 2; i++) {
                assertTrue(step(s, p, i, "work"), "iteration " + i);
            }
            settle(s, p);
            assertTrue(holds(s.acquire(p), 99), "w came back intact");
            SessionStats st = s.stats();
            assertEquals(16 * KIB + 2 * (ACT + 16 * KIB), st.bytesOffloaded(),
                    "w was written out before the first iteration, and after op 2 of each");
            assertEquals(9, st.planIssued(), "the start state's prefetch of w, then 4 entries per iteration");
            assertEquals(0, st.misses());
        }
    }

    @Test
    void aDivergentIterationStopsThePlanAndStaysCorrect() {
        Trace profile = profile();
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.offload(plan(profile), profile))) {
            TensorHandle p = param(s);
            assertTrue(step(s, p, 0, "work"));
            // op 2 has another name: the prefetch at op 2 is not issued; the activation,
            // offloaded at op 1, comes back when op 3 acquires it (a miss)
            assertTrue(step(s, p, 1, "other"));
            assertEquals(1, s.stats().divergences());
            assertEquals(1, s.stats().misses());
            assertTrue(step(s, p, 2, "work")); // the plan applies again
            // one op more than the plan: counted once
            s.beginOp("produce", p);
            s.endOp();
            s.beginOp("extra", p);
            s.endOp();
            s.endIteration();
            SessionStats st = s.stats();
            assertEquals(2, st.divergences());
            assertEquals(1, st.misses());
            assertEquals(5, st.planIssued()); // 2 + 1 (offload only) + 2
        }
    }

    @Test
    void anOffloadPlanMustMatchItsProfile() {
        Trace profile = profile();
        Trace other;
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.profile(0, 1))) {
            step(s, param(s), 0, "different");
            other = s.trace();
        }
        TeraioException e = assertThrows(TeraioException.class,
                () -> TeraioSession.open(config("1m"), SessionOptions.offload(plan(profile), other)));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void tensorsBeyondTheDeviceMemoryAreEvictedAndComeBackIntact() {
        // six activations of 64 KiB live at once in 256 KiB of device memory
        try (TeraioSession s = TeraioSession.open(config("256k"), SessionOptions.off())) {
            for (int it = 0; it < 2; it++) {
                TensorHandle[] acts = new TensorHandle[6];
                for (int i = 0; i < acts.length; i++) {
                    s.beginOp("fwd" + i);
                    acts[i] = s.allocate(ACT, TensorKind.ACTIVATION);
                    fill(s.acquire(acts[i]), 10L * it + i);
                    s.endOp();
                }
                for (int i = acts.length - 1; i >= 0; i--) {
                    s.beginOp("bwd" + i, acts[i]);
                    assertTrue(holds(s.acquire(acts[i]), 10L * it + i), "activation " + i);
                    s.free(acts[i]);
                    s.endOp();
                }
                s.endIteration();
            }
            SessionStats st = s.stats();
            assertTrue(st.evictions() > 0);
            assertTrue(st.misses() > 0);
            assertTrue(st.peakResidentBytes() <= 256 * KIB, "peak " + st.peakResidentBytes());
        }
    }

    @Test
    void withNowhereToOffloadAnAllocationThatDoesNotFitFailsClearly() {
        TeraioConfig noDirs = TeraioConfig.resolve(Map.of("deviceMemory", "128k", "hostMemory", "0"), Map.of(),
                Map.of());
        try (TeraioSession s = TeraioSession.open(noDirs, SessionOptions.off())) {
            s.beginOp("fwd");
            s.allocate(ACT, TensorKind.ACTIVATION);
            s.allocate(ACT, TensorKind.ACTIVATION);
            long start = System.nanoTime();
            TeraioException e = assertThrows(TeraioException.class, () -> s.allocate(ACT, TensorKind.ACTIVATION));
            assertTrue(e.getMessage().contains("op0.out2") && e.getMessage().contains("no dirs and no hostMemory"),
                    e.getMessage());
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "fails at once, without waiting for memory");
        }
    }

    @Test
    void whatTheOpItselfHoldsCannotBeEvicted() {
        try (TeraioSession s = TeraioSession.open(config("128k"), SessionOptions.off())) {
            s.beginOp("fwd");
            s.allocate(ACT, TensorKind.ACTIVATION);
            s.allocate(ACT, TensorKind.ACTIVATION);
            TeraioException e = assertThrows(TeraioException.class, () -> s.allocate(ACT, TensorKind.ACTIVATION));
            assertTrue(e.getMessage().contains("used by the open op"), e.getMessage());
            assertEquals(0, s.stats().evictions());
        }
    }

    @Test
    void autoModeWithoutAPlannerSaysWhatIsMissing() {
        try (TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.auto(0, 1))) {
            TensorHandle p = param(s);
            TeraioException e = assertThrows(TeraioException.class, () -> step(s, p, 0, "work"));
            assertTrue(e.getMessage().contains("no PlanMaker on the class path"), e.getMessage());
        }
    }

    @Test
    void closingDeletesTheOffloadFiles() throws IOException {
        Trace profile = profile();
        TeraioSession s = TeraioSession.open(config("1m"), SessionOptions.offload(plan(profile), profile));
        TensorHandle p = param(s);
        s.beginOp("produce", p);
        TensorHandle act = s.allocate(ACT, TensorKind.ACTIVATION);
        fill(s.acquire(act), 1);
        s.endOp();
        s.beginOp("work", p); // offloads the activation
        settle(s, act);
        s.endOp();
        assertEquals(TensorState.OFFLOADED, s.residency(act));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "the run directory");
        }
        s.close();
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing left in " + dir);
        }
        assertTrue(act.isFreed());
        assertThrows(IllegalStateException.class, () -> s.residency(act));
    }
}
