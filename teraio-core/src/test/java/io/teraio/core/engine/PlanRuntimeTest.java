package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-made plans over the host tier (reads slowed to 100 ms) on a real engine: offload after
 * the last use, prefetch before the next; a late prefetch is a stall, a missing one a miss, an
 * entry that does not apply is skipped, ops that leave the profiled sequence are a divergence,
 * tensors kept offloaded across the iteration boundary start out, and a prefetch that does not
 * fit under the memory rule waits for writes or stays queued. No outcome rests on the clock:
 * a test waits for the state it needs, and a wait it asserts is made certain by holding the
 * reads until the runtime waits ({@link #holdingReads}).
 */
class PlanRuntimeTest {
    private static final long READ_MILLIS = 100;
    private static final long WRITE_MILLIS = 20;
    private static final List<String> KEYS = List.of("a", "b", "c", "d");

    private FaultyBackend host;
    private MigrationEngine engine;

    @BeforeEach
    void open() throws InterruptedException {
        host = new FaultyBackend(new HostStorageBackend(64 * MIB));
        host.readDelayMillis.set((int) READ_MILLIS);
        engine = new MigrationEngine(new IoEngine(List.of(), host, config("io.taskSize", "1m")),
                new HostDeviceMemory(16 * MIB));
        for (String key : KEYS) {
            DeviceBuffer buffer = engine.memory().allocate(MIB, 0);
            TensorBytes.fill(buffer, TensorBytes.seed(key, 0));
            engine.register(key, buffer);
        }
    }

    @AfterEach
    void close() {
        engine.close();
        host.close();
    }

    private static PlanEntry offload(String key, int issueAtOp, int deadlineOp) {
        return new PlanEntry(KEYS.indexOf(key), key, PlanAction.OFFLOAD, PlanTarget.HOST, -1, issueAtOp, deadlineOp,
                false);
    }

    private static PlanEntry prefetch(String key, int issueAtOp, int deadlineOp) {
        return new PlanEntry(KEYS.indexOf(key), key, PlanAction.PREFETCH, PlanTarget.HOST, -1, issueAtOp, deadlineOp,
                false);
    }

    private PlanRuntime runtime(List<PlanEntry> entries, int ops) {
        return new PlanRuntime(engine, entries, ProfiledOps.count(ops), MemoryRule.deviceMemory());
    }

    /** Waits until the engine has {@code key} in {@code state} (a write confirmed, a read landed). */
    private void awaitState(String key, TensorState state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (engine.state(key) != state) {
            assertTrue(System.nanoTime() < deadline, key + " never became " + state + ": " + engine.state(key));
            Thread.sleep(1);
        }
    }

    /**
     * Runs {@code call} with every read held at the backend until one has arrived and this
     * thread waits (for it, in the cases here); then lets them go. A runtime that must wait
     * for a read then does, whatever the machine's load, where a read merely slowed could end
     * while this thread was descheduled.
     */
    private long holdingReads(Callable<Long> call) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        host.atGate.set(0);
        host.readGate = gate;
        Thread caller = Thread.currentThread();
        Thread opener = new Thread(() -> {
            while (gate.getCount() > 0 && (host.atGate.get() == 0 || caller.getState() != Thread.State.WAITING
                    && caller.getState() != Thread.State.TIMED_WAITING)) {
                Thread.onSpinWait();
            }
            host.readGate = null;
            gate.countDown();
        });
        opener.start();
        try {
            return call.call();
        } finally {
            host.readGate = null;
            gate.countDown();
            opener.join();
        }
    }

    private void checkBytes() {
        for (String key : KEYS) {
            TensorBytes.check(engine.acquire(key), TensorBytes.seed(key, 0), key);
        }
    }

    @Test
    void anEarlyPrefetchHidesTheReadAndALateOneStalls() throws Exception {
        // a: used at 0 and 4, prefetched from op 1; b: used at 0 and 3, prefetched only at op 3
        PlanRuntime runtime = runtime(List.of(offload("a", 1, 2), offload("b", 1, 2), prefetch("a", 2, 4),
                prefetch("b", 3, 3)), 5);
        assertEquals(0, runtime.beforeOp(0, "op", List.of("a", "b")));
        assertEquals(0, runtime.beforeOp(1, "op", List.of()));
        awaitState("a", TensorState.OFFLOADED);
        awaitState("b", TensorState.OFFLOADED);
        assertEquals(0, runtime.beforeOp(2, "op", List.of()));
        awaitState("a", TensorState.RESIDENT); // read back while op 2 ran
        long late = holdingReads(() -> runtime.beforeOp(3, "op", List.of("b")));
        assertTrue(late > 0, "b's read was waited for: " + late);
        assertEquals(0, runtime.beforeOp(4, "op", List.of("a")), "a's prefetch finished during ops 2 and 3");
        runtime.endIteration(5);

        RuntimeStats stats = runtime.stats();
        assertEquals(4, stats.issued());
        assertEquals(0, stats.skipped());
        assertEquals(1, stats.stalledOps());
        assertEquals(late, stats.stallNs());
        assertEquals(0, stats.misses());
        assertEquals(0, stats.divergences());
        checkBytes();
    }

    @Test
    void aTensorNeededButNotPrefetchedIsAMiss() throws Exception {
        PlanRuntime runtime = runtime(List.of(offload("a", 1, 2)), 3);
        runtime.beforeOp(0, "op", List.of("a"));
        runtime.beforeOp(1, "op", List.of());
        awaitState("a", TensorState.OFFLOADED);
        long waited = runtime.beforeOp(2, "op", List.of("a"));
        assertSame(TensorState.RESIDENT, engine.state("a"));
        assertEquals(1, runtime.stats().misses());
        assertEquals(1, engine.stats().misses());
        assertEquals(1, runtime.stats().stalledOps());
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(READ_MILLIS) / 2, "the fetch was waited for: " + waited);
        checkBytes();
    }

    @Test
    void entriesThatDoNotApplyAreSkipped() throws Exception {
        PlanRuntime runtime = runtime(List.of(
                prefetch("a", 0, 1),          // a is resident
                new PlanEntry(9, "unknown", PlanAction.OFFLOAD, PlanTarget.HOST, -1, 0, 1, false),
                offload("b", 0, 1),           // issued
                offload("b", 1, 2)), 3);      // b is no longer resident
        runtime.beforeOp(0, "op", List.of());
        awaitState("b", TensorState.OFFLOADED);
        runtime.beforeOp(1, "op", List.of());
        RuntimeStats stats = runtime.stats();
        assertEquals(1, stats.issued());
        assertEquals(3, stats.skipped());
        assertSame(TensorState.OFFLOADED, engine.state("b"));
    }

    @Test
    void aWrappingPrefetchIsWaitedForInTheNextIteration() throws Exception {
        // a: used at op 0 of every iteration, offloaded at 1, prefetched at 3 for op 0 of the next
        PlanRuntime runtime = runtime(List.of(offload("a", 1, 2), prefetch("a", 3, 0)), 4);
        assertEquals(0, runtime.beforeOp(0, "op", List.of()), "nothing was issued before the first iteration");
        for (int iteration = 0; iteration < 2; iteration++) {
            runtime.beforeOp(1, "op", List.of());
            awaitState("a", TensorState.OFFLOADED);
            runtime.beforeOp(2, "op", List.of());
            long waited = holdingReads(() -> {
                runtime.beforeOp(3, "op", List.of());
                runtime.endIteration(4);
                return runtime.beforeOp(0, "op", List.of());
            });
            assertTrue(waited > 0, "the prefetch issued at op 3 of iteration " + iteration + " was waited for");
            assertSame(TensorState.RESIDENT, engine.state("a"));
        }
        assertEquals(0, runtime.stats().misses());
        assertEquals(4, runtime.stats().issued());
    }

    @Test
    void anotherOpNameStopsThePlanUntilTheIterationEnds() throws Exception {
        ProfiledOps ops = new ProfiledOps(3, List.of("fwd", "bwd", "step"), null);
        PlanRuntime runtime = new PlanRuntime(engine, List.of(offload("a", 1, 2), offload("b", 2, 2)), ops,
                MemoryRule.deviceMemory());
        runtime.beforeOp(0, "fwd", List.of());
        runtime.beforeOp(1, "other", List.of());
        runtime.beforeOp(2, "step", List.of());
        runtime.endIteration(3);
        assertSame(TensorState.RESIDENT, engine.state("a"), "the diverged op's entries were not issued");
        assertSame(TensorState.RESIDENT, engine.state("b"), "nor those of the ops after it");
        assertEquals(1, runtime.stats().divergences());
        assertEquals(0, runtime.stats().issued());

        runtime.beforeOp(0, "fwd", List.of());
        runtime.beforeOp(1, "bwd", List.of());
        assertTrue(engine.state("a") != TensorState.RESIDENT, "the next iteration follows the plan again");
        assertEquals(1, runtime.stats().issued());
    }

    @Test
    void anotherOpCountIsADivergence() {
        PlanRuntime runtime = runtime(List.of(offload("a", 1, 2)), 3);
        runtime.beforeOp(0, "op", List.of());
        runtime.beforeOp(1, "op", List.of());
        runtime.endIteration(2);
        assertEquals(1, runtime.stats().divergences(), "one op short");
        for (int k = 0; k < 4; k++) {
            runtime.beforeOp(k, "op", List.of());
        }
        runtime.endIteration(4);
        assertEquals(2, runtime.stats().divergences(), "one op past the plan's, counted once");
        assertThrows(IllegalArgumentException.class, () -> runtime(List.of(offload("a", 5, 1)), 5),
                "an entry outside the iteration");
    }

    @Test
    void theStartStateWritesOutWhatThePlanKeepsOffloaded() throws Exception {
        // a: its last entry wraps (prefetched at 3 for op 0): out at the start, its prefetch issued before op 0
        // b: its last entry is an offload: out at the start, brought back by its first entry
        // c: offloaded and prefetched within the iteration: resident at the start
        // d: kept offloaded by the plan, but this run says it does not live across the boundary
        PlanRuntime runtime = runtime(List.of(prefetch("b", 0, 1), offload("a", 1, 2), offload("c", 1, 2),
                prefetch("c", 2, 3), offload("b", 2, 3), prefetch("a", 3, 0), offload("d", 1, 2)), 4);
        List<String> prepared = new ArrayList<>();
        assertEquals(2, runtime.startState(kept -> prepared.add(kept.key()) && !kept.key().equals("d")));
        assertEquals(List.of("a", "b", "d"), prepared);
        assertSame(TensorState.OFFLOADED, engine.state("a"));
        assertSame(TensorState.OFFLOADED, engine.state("b"));
        assertSame(TensorState.RESIDENT, engine.state("c"));
        assertSame(TensorState.RESIDENT, engine.state("d"));

        long waited = holdingReads(() -> runtime.beforeOp(0, "op", List.of("a")));
        assertTrue(waited > 0, "the cold start waits for a: " + waited);
        assertEquals(2, runtime.stats().issued(), "a's wrapping prefetch, and b's first entry brings it back");
        runtime.beforeOp(1, "op", List.of("b"));
        assertEquals(0, runtime.stats().misses());
        checkBytes();
    }

    @Test
    void aPrefetchThatDoesNotFitStaysQueuedUntilItDoes() throws Exception {
        AtomicLong used = new AtomicLong(3 * MIB);
        PlanRuntime runtime = new PlanRuntime(engine, List.of(offload("a", 0, 1), prefetch("a", 1, 3)),
                new ProfiledOps(4, null, new long[] {0, MIB, 0, 0}),
                MemoryRule.budget(4 * MIB, used::get, () -> false));
        runtime.beforeOp(0, "op", List.of());
        awaitState("a", TensorState.OFFLOADED); // a's write is confirmed
        assertEquals(0, runtime.beforeOp(1, "op", List.of()), "no write in flight: nothing to wait for");
        assertSame(TensorState.OFFLOADED, engine.state("a"), "1 MiB and op 1's 1 MiB do not fit in 1 MiB");
        used.set(2 * MIB);
        runtime.beforeOp(2, "op", List.of());
        assertSame(TensorState.PREFETCHING, engine.state("a"), "op 2 allocates nothing: it fits now");
        runtime.beforeOp(3, "op", List.of("a"));
        assertEquals(0, runtime.stats().misses());
        assertEquals(2, runtime.stats().issued());
        checkBytes();
    }

    @Test
    void aPrefetchThatDoesNotFitWaitsWhileWritesCanMakeRoom() throws Exception {
        // the memory is full while a write is in flight; the write ends (freeing a MiB) only once
        // the runtime has asked whether writes are in flight and is parked in its wait, and a
        // while after, so the wait is decided by the write, not by the clock (a full verify at a
        // load average of 24 once measured no wait when the write ended on the latch alone)
        AtomicBoolean written = new AtomicBoolean();
        CountDownLatch waiting = new CountDownLatch(1);
        MemoryRule rule = MemoryRule.budget(2 * MIB, () -> written.get() ? MIB : 2 * MIB, () -> {
            waiting.countDown();
            return !written.get();
        });
        engine.offload("a", IoEngine.HOST, false).get(1, TimeUnit.MINUTES);
        PlanRuntime runtime = new PlanRuntime(engine, List.of(prefetch("a", 0, 1)), ProfiledOps.count(2), rule);
        Thread caller = Thread.currentThread();
        Thread write = new Thread(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                if (waiting.await(1, TimeUnit.MINUTES)) {
                    while (caller.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    Thread.sleep(WRITE_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.set(true);
        });
        write.start();
        TensorState before = engine.state("a");
        long waited = runtime.beforeOp(0, "op", List.of());
        TensorState after = engine.state("a");
        write.join();
        assertTrue(waited > 0, "waited for the write: " + waited + " (a was " + before + ", then " + after
                + "; asked for writes in flight: " + (waiting.getCount() == 0) + ")");
        assertEquals(waited, runtime.stats().stallNs());
        assertEquals(1, runtime.stats().issued());
        runtime.beforeOp(1, "op", List.of("a"));
        assertEquals(0, runtime.stats().misses(), "issued once the write made room, the prefetch is no miss");
        checkBytes();
    }
}
