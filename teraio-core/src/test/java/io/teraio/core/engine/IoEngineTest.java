package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.await;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.Errno;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.StorageException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The I/O engine's scheduling and bookkeeping, over host-memory backends with injected delays. */
class IoEngineTest {
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final DeviceMemory memory = new HostDeviceMemory(64 * MIB);

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        memory.close();
    }

    private FaultyBackend ssd(long capacityBytes) {
        FaultyBackend b = new FaultyBackend(new HostStorageBackend(capacityBytes));
        resources.add(b);
        return b;
    }

    /** An engine that moves every task: these tests count tasks of buffers left all zero. */
    private IoEngine engine(List<FaultyBackend> ssds, String threads, String queueDepth) {
        IoEngine io = new IoEngine(List.copyOf(ssds), null, config("io.taskSize", "1m", "io.threads", threads,
                "io.queueDepth", queueDepth, "io.skipZeros", "false"));
        resources.add(io);
        return io;
    }

    private DeviceBuffer buffer(long bytes) throws InterruptedException {
        DeviceBuffer b = memory.allocate(bytes, 0);
        resources.add(b);
        return b;
    }

    @Test
    void urgentRequestsGoBeforeQueuedOnes() throws Exception {
        FaultyBackend ssd = ssd(64 * MIB);
        ssd.writeDelayMillis.set(20);
        IoEngine io = engine(List.of(ssd), "1", "1");
        CompletableFuture<Long> bulk = io.write("bulk", io.allocate(8 * MIB, 0), buffer(8 * MIB), false);
        CompletableFuture<Long> urgent = io.write("urgent", io.allocate(MIB, 0), buffer(MIB), true);
        assertEquals(MIB, await(urgent));
        assertFalse(bulk.isDone(), "the urgent write overtook the 8 tasks queued before it");
        assertEquals(8 * MIB, await(bulk));
    }

    @Test
    void aFailedWriteCompletesOnlyAfterItsOtherTasksEnded() throws Exception {
        FaultyBackend ssd = ssd(64 * MIB);
        // the order is set by latches: the first write fails once all four workers hold a task of
        // the request; the other three are held until the test lets them go
        CountDownLatch fourStarted = new CountDownLatch(4);
        CountDownLatch letGo = new CountDownLatch(1);
        ssd.writeGate = call -> {
            fourStarted.countDown();
            if (call == 1) {
                awaitLatch(fourStarted);
            } else if (call <= 4) {
                awaitLatch(letGo);
            }
        };
        ssd.writeErrors.set(1);
        IoEngine io = engine(List.of(ssd), "4", "4");
        AtomicInteger inFlightAtCompletion = new AtomicInteger(-1);
        CompletableFuture<Long> write = io.write("w", io.allocate(16 * MIB, 0), buffer(16 * MIB), false);
        // the action runs on the completing thread after the future is done, so a get() may return
        // before it has: the assertion waits for the action's own future (a verify loop saw -1)
        CompletableFuture<Long> observed = write.whenComplete((n, e) -> inFlightAtCompletion.set(ssd.inFlight.get()));
        awaitLatch(fourStarted);

        try {
            // queued behind the request's 12 unstarted tasks, so it runs on the failed task's worker
            // only after that worker has taken each of them
            CompletableFuture<Long> probe = io.write("probe", io.allocate(MIB, 0), buffer(MIB), false);
            assertEquals(MIB, await(probe));
            assertEquals(5, ssd.writes.get(), "the 12 tasks not yet started were skipped, only the probe ran after");
            assertEquals(3, ssd.inFlight.get());
            assertFalse(write.isDone(), "the failed write waits for its 3 tasks still running");
        } finally {
            letGo.countDown();
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(write));
        StorageException cause = assertInstanceOf(StorageException.class, e.getCause());
        assertEquals(Errno.EIO, cause.errno());
        assertTrue(cause.getMessage().contains("tensor 'w'"), cause.getMessage());
        assertThrows(ExecutionException.class, () -> await(observed));
        assertEquals(0, inFlightAtCompletion.get(), "no task of the request runs after its future completed");
        assertEquals(5, ssd.writes.get());
        assertEquals(1, io.stats().failedWrites());
    }

    private static void awaitLatch(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a latch of the test was not released in 60 s");
        }
    }

    @Test
    void closeCancelsQueuedRequestsAndStopsTheWorkers() throws Exception {
        FaultyBackend ssd = ssd(64 * MIB);
        ssd.writeDelayMillis.set(50);
        IoEngine io = engine(List.of(ssd), "2", "1");
        List<CompletableFuture<Long>> writes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            writes.add(io.write("w" + i, io.allocate(4 * MIB, 0), buffer(4 * MIB), false));
        }
        io.close();
        io.close(); // idempotent
        assertTrue(writes.stream().allMatch(CompletableFuture::isDone), "close completes every request");
        assertThrows(CancellationException.class, () -> writes.get(3).getNow(0L), "a queued write is cancelled");
        assertTrue(writes.get(3).isCancelled());
        assertEquals(0, ssd.inFlight.get());
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("teraio-io-ssd0-") && t.isAlive()), "workers stopped");
        assertThrows(IllegalStateException.class, () -> io.allocate(MIB, 0));
    }

    @Test
    void workersAreDaemonThreadsNamedAfterTheirLane() {
        engine(List.of(ssd(MIB), ssd(MIB)), "2", "2");
        List<String> names = Thread.getAllStackTraces().keySet().stream().filter(Thread::isDaemon)
                .map(Thread::getName).filter(n -> n.startsWith("teraio-io-")).sorted().toList();
        assertEquals(List.of("teraio-io-ssd0-0", "teraio-io-ssd0-1", "teraio-io-ssd1-0", "teraio-io-ssd1-1"), names);
    }

    @Test
    void anySsdStripesTasksOverEverySsd() throws Exception {
        FaultyBackend ssd0 = ssd(64 * MIB);
        FaultyBackend ssd1 = ssd(64 * MIB);
        IoEngine io = engine(List.of(ssd0, ssd1), "1", "2");
        Placement p = io.allocate(5 * MIB + 3, IoEngine.ANY_SSD);
        assertEquals(3 * MIB, ssd0.allocatedBytes(), "tasks 0, 2 and 4");
        assertEquals(2 * MIB + 3, ssd1.allocatedBytes(), "tasks 1, 3 and the 3 bytes of task 5");
        assertTrue(p.describe().startsWith("ssd0 host memory offset 0"), p.describe());
        assertTrue(p.describe().contains(", ssd1 host memory offset 0"), p.describe());
        assertEquals(5 * MIB + 3, await(io.write("striped", p, buffer(6 * MIB), false)));
        assertEquals(3, ssd0.writes.get());
        assertEquals(3, ssd1.writes.get());
    }

    @Test
    void anySsdAllocationIsAllOrNothing() {
        FaultyBackend ssd0 = ssd(8 * MIB);
        FaultyBackend ssd1 = ssd(MIB);
        IoEngine io = engine(List.of(ssd0, ssd1), "1", "1");
        StorageException e = assertThrows(StorageException.class, () -> io.allocate(8 * MIB, IoEngine.ANY_SSD));
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals(0, ssd0.allocatedBytes(), "ssd0's share was given back");
        assertEquals(0, ssd1.allocatedBytes());
    }

    @Test
    void targetsThatDoNotExistAreRejected() {
        IoEngine io = engine(List.of(ssd(MIB)), "1", "1");
        assertThrows(IllegalArgumentException.class, () -> io.allocate(MIB, 1));
        assertThrows(IllegalArgumentException.class, () -> io.allocate(MIB, IoEngine.HOST));
        assertThrows(IllegalArgumentException.class, () -> io.allocate(-1, 0));
    }

    @Test
    void allZeroTasksAreNeitherWrittenNorReadAndComeBackAsZeros() throws Exception {
        for (boolean opaque : new boolean[] {false, true}) {
            for (boolean skip : new boolean[] {true, false}) {
                FaultyBackend ssd = ssd(16 * MIB);
                IoEngine io = new IoEngine(List.of(ssd), null, config("io.taskSize", "1m", "io.skipZeros",
                        Boolean.toString(skip)));
                resources.add(io);
                DeviceMemory mem = opaque ? new OpaqueDeviceMemory(16 * MIB) : memory;
                long bytes = 3 * MIB + 5; // tasks 0 and 2 all zero, task 1 one non-zero byte at its end, task 3 5 bytes
                DeviceBuffer src = mem.allocate(bytes, 0);
                DeviceBuffer dst = mem.allocate(bytes, 0);
                byte[] expected = new byte[(int) bytes];
                expected[(int) (2 * MIB - 1)] = 7;
                expected[(int) (3 * MIB + 4)] = 9;
                src.copyFromHost(0, directOf(expected));
                byte[] ones = new byte[(int) bytes];
                Arrays.fill(ones, (byte) 0xFF);
                dst.copyFromHost(0, directOf(ones));
                Placement p = io.allocate(bytes, 0);
                assertEquals(bytes, await(io.write("sparse", p, src, false)));
                assertEquals(bytes, await(io.read("sparse", p, dst, false)));
                ByteBuffer back = ByteBuffer.allocateDirect((int) bytes);
                dst.copyToHost(0, back);
                byte[] got = new byte[(int) bytes];
                back.get(0, got);
                String what = (opaque ? "bounced" : "direct") + ", skipZeros " + skip;
                assertTrue(Arrays.equals(expected, got), what + ": every byte back, zeros where zeros were");
                assertEquals(skip ? 2 : 4, ssd.writes.get(), what + ": tasks written");
                assertEquals(skip ? 2 : 4, ssd.reads.get(), what + ": tasks read");
                assertEquals(skip ? 4 * MIB : 0, io.stats().zeroBytesSkipped(), what);
                assertEquals(MIB + 5, io.stats().ssdBytesWritten() - (skip ? 0 : 2 * MIB), what);
                src.close();
                dst.close();
                io.release(p);
            }
        }
    }

    private static ByteBuffer directOf(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }
}
