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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-made plans over the host tier (reads slowed to 100 ms): offload after the last use,
 * prefetch before the next; a late prefetch is a stall, a missing one a miss, an entry that
 * does not apply is skipped.
 */
class PlanExecutorTest {
    private static final long READ_MILLIS = 100;
    private static final long COMPUTE_MILLIS = 150;

    private FaultyBackend host;
    private MigrationEngine engine;

    @BeforeEach
    void open() throws InterruptedException {
        host = new FaultyBackend(new HostStorageBackend(64 * MIB));
        host.readDelayMillis.set((int) READ_MILLIS);
        engine = new MigrationEngine(new IoEngine(List.of(), host, config("io.taskSize", "1m")),
                new HostDeviceMemory(16 * MIB));
        for (String key : List.of("a", "b")) {
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
        return new PlanEntry(0, key, PlanAction.OFFLOAD, PlanTarget.HOST, -1, issueAtOp, deadlineOp, false);
    }

    private static PlanEntry prefetch(String key, int issueAtOp, int deadlineOp) {
        return new PlanEntry(0, key, PlanAction.PREFETCH, PlanTarget.HOST, -1, issueAtOp, deadlineOp, false);
    }

    private static void compute() throws InterruptedException {
        Thread.sleep(COMPUTE_MILLIS);
    }

    @Test
    void anEarlyPrefetchHidesTheReadAndALateOneStalls() throws Exception {
        // a: used at 0 and 4, prefetched from op 1; b: used at 0 and 3, prefetched only at op 3
        PlanExecutor executor = new PlanExecutor(engine, List.of(offload("a", 1, 2), offload("b", 1, 2),
                prefetch("a", 2, 4), prefetch("b", 3, 3)), 5);
        assertEquals(0, executor.beforeOp(0, List.of("a", "b")));
        compute();
        assertEquals(0, executor.beforeOp(1, List.of()));
        compute();
        assertEquals(0, executor.beforeOp(2, List.of()));
        compute();
        long late = executor.beforeOp(3, List.of("b"));
        assertTrue(late >= TimeUnit.MILLISECONDS.toNanos(READ_MILLIS) / 2, "b's read was waited for: " + late);
        compute();
        assertEquals(0, executor.beforeOp(4, List.of("a")), "a's prefetch finished during ops 2 and 3");

        ExecutorStats stats = executor.stats();
        assertEquals(4, stats.issued());
        assertEquals(0, stats.skipped());
        assertEquals(1, stats.stalledOps());
        assertEquals(late, stats.stallNs());
        assertEquals(0, stats.misses());
        TensorBytes.check(engine.acquire("a"), TensorBytes.seed("a", 0), "a");
        TensorBytes.check(engine.acquire("b"), TensorBytes.seed("b", 0), "b");
    }

    @Test
    void aTensorNeededButNotPrefetchedIsAMiss() throws Exception {
        PlanExecutor executor = new PlanExecutor(engine, List.of(offload("a", 1, 2)), 3);
        executor.beforeOp(0, List.of("a"));
        executor.beforeOp(1, List.of());
        compute();
        long waited = executor.beforeOp(2, List.of("a"));
        assertSame(TensorState.RESIDENT, engine.state("a"));
        assertEquals(1, executor.stats().misses());
        assertEquals(1, engine.stats().misses());
        assertEquals(1, executor.stats().stalledOps());
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(READ_MILLIS) / 2, "the fetch was waited for: " + waited);
        TensorBytes.check(engine.acquire("a"), TensorBytes.seed("a", 0), "a");
    }

    @Test
    void entriesThatDoNotApplyAreSkipped() throws Exception {
        PlanExecutor executor = new PlanExecutor(engine, List.of(
                prefetch("a", 0, 1),          // a is resident
                offload("unknown", 0, 1),     // never registered
                offload("b", 0, 1),           // issued
                offload("b", 1, 2)), 3);      // b is no longer resident
        executor.beforeOp(0, List.of());
        compute();
        executor.beforeOp(1, List.of());
        ExecutorStats stats = executor.stats();
        assertEquals(1, stats.issued());
        assertEquals(3, stats.skipped());
        assertSame(TensorState.OFFLOADED, engine.state("b"));
    }

    @Test
    void aWrappingPrefetchIsWaitedForInTheNextIteration() throws Exception {
        // a: used at op 0 of every iteration, offloaded at 1, prefetched at 3 for op 0 of the next
        PlanExecutor executor = new PlanExecutor(engine, List.of(offload("a", 1, 2), prefetch("a", 3, 0)), 4);
        for (int iteration = 0; iteration < 2; iteration++) {
            long waited = executor.beforeOp(0, List.of());
            if (iteration == 0) {
                assertEquals(0, waited, "nothing was issued before the first iteration");
            } else {
                assertTrue(waited > 0, "the prefetch issued at op 3 of iteration 0 was waited for");
                assertSame(TensorState.RESIDENT, engine.state("a"));
            }
            executor.beforeOp(1, List.of());
            compute();
            executor.beforeOp(2, List.of());
            executor.beforeOp(3, List.of());
        }
        assertEquals(0, executor.stats().misses());
        assertEquals(4, executor.stats().issued());
    }

    @Test
    void opsOutsideTheIterationAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new PlanExecutor(engine, List.of(offload("a", 5, 1)), 5));
        PlanExecutor executor = new PlanExecutor(engine, List.of(), 5);
        assertThrows(IllegalArgumentException.class, () -> executor.beforeOp(5, List.of()));
    }
}
