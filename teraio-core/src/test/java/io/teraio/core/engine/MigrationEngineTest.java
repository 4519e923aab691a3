package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.await;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.CrashedRuns;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tensor life cycle a trainer sees: states, waiting, memory freed only when safe, close. */
class MigrationEngineTest {
    private FaultyBackend ssd;
    private HostStorageBackend host;
    private MigrationEngine engine;

    @TempDir
    Path tmp;

    private MigrationEngine open(long deviceMemoryBytes) {
        return open(deviceMemoryBytes, 256 * MIB);
    }

    private MigrationEngine open(long deviceMemoryBytes, long ssdBytes) {
        ssd = new FaultyBackend(new HostStorageBackend(ssdBytes));
        host = new HostStorageBackend(64 * MIB);
        IoEngine io = new IoEngine(List.of(ssd), host, config("io.taskSize", "1m"));
        engine = new MigrationEngine(io, new HostDeviceMemory(deviceMemoryBytes));
        return engine;
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
            ssd.close();
            host.close();
        }
    }

    private DeviceBuffer register(String key, long bytes) throws InterruptedException {
        DeviceBuffer b = engine.memory().allocate(bytes, 0);
        TensorBytes.fill(b, TensorBytes.seed(key, 0));
        engine.register(key, b);
        return b;
    }

    @Test
    void deviceMemoryIsFreedOnlyWhenTheWriteCompletes() throws Exception {
        open(64 * MIB);
        register("a", 4 * MIB);
        ssd.writeDelayMillis.set(100);
        CompletableFuture<Long> offload = engine.offload("a", 0, false);
        assertSame(TensorState.OFFLOADING, engine.state("a"));
        assertEquals(4 * MIB, engine.memory().usedBytes(), "still held while the write runs");
        assertEquals(4 * MIB, await(offload));
        assertSame(TensorState.OFFLOADED, engine.state("a"));
        assertEquals(0, engine.memory().usedBytes());
    }

    @Test
    void acquireDuringAnOffloadKeepsTheTensorResident() throws Exception {
        open(64 * MIB);
        DeviceBuffer buffer = register("a", 4 * MIB);
        ssd.writeDelayMillis.set(100);
        CompletableFuture<Long> offload = engine.offload("a", 0, false);
        assertSame(buffer, engine.acquire("a"), "the same buffer, kept");
        assertSame(TensorState.RESIDENT, engine.state("a"));
        assertEquals(4 * MIB, await(offload));
        assertEquals(0, ssd.allocatedBytes(), "the written copy's space is given back");
        TensorBytes.check(buffer, TensorBytes.seed("a", 0), "kept buffer");
        assertTrue(engine.stats().stallNs() > 0, "the wait is a stall");
        assertEquals(0, engine.stats().misses());
    }

    /** Registers {@code key} with {@code copy} (which may be null), over new memory filled with its version-0 bytes. */
    private void registerWithCopy(String key, long bytes, Placement copy) throws InterruptedException {
        DeviceBuffer b = engine.memory().allocate(bytes, 0);
        TensorBytes.fill(b, TensorBytes.seed(key, 0));
        engine.registerWithCopy(key, b, null, copy);
    }

    /** Offloads {@code key} to ssd0 and reads it back (a prefetch, then acquire); returns the buffer it is in now. */
    private DeviceBuffer roundTrip(String key) throws Exception {
        await(engine.offload(key, 0, false));
        await(engine.prefetch(key, false));
        return engine.acquire(key);
    }

    @Test
    void aTensorRegisteredWithItsCopyIsOffloadedToItWithoutAWrite() throws Exception {
        open(64 * MIB);
        registerWithCopy("w", 4 * MIB, null);
        TensorBytes.check(roundTrip("w"), TensorBytes.seed("w", 0), "read back");
        assertEquals(4 * MIB, engine.stats().bytesToSsd());
        Placement copy = engine.freeKeepingCopy("w"); // closes the buffer, as free does
        assertNotNull(copy, "the read kept its placement");
        assertEquals(4 * MIB, ssd.allocatedBytes(), "the copy keeps its space");

        registerWithCopy("w", 4 * MIB, copy); // the owner's bytes, unchanged
        assertEquals(4 * MIB, await(engine.offload("w", 0, false)));
        assertSame(TensorState.OFFLOADED, engine.state("w"));
        assertEquals(0, engine.memory().usedBytes(), "its memory is freed at once");
        EngineStats s = engine.stats();
        assertEquals(4 * MIB, s.bytesToSsd(), "nothing more written");
        assertEquals(1, s.copiesReused());
        assertEquals(4 * MIB, s.copyBytesReused());
        await(engine.prefetch("w", false));
        TensorBytes.check(engine.acquire("w"), TensorBytes.seed("w", 0), "read back from the copy");
        engine.free("w");
        assertEquals(0, ssd.allocatedBytes(), "free gives the copy's space back");
    }

    @Test
    void aCopyKeptByAReadIsNotTakenByTheNextOffloadOfTheSameRegistration() throws Exception {
        open(64 * MIB);
        registerWithCopy("w", 4 * MIB, null);
        DeviceBuffer back = roundTrip("w");
        TensorBytes.fill(back, TensorBytes.seed("w", 1)); // changed: nobody vouched for the copy
        DeviceBuffer again = roundTrip("w");
        assertEquals(8 * MIB, engine.stats().bytesToSsd(), "written twice");
        assertEquals(0, engine.stats().copiesReused());
        TensorBytes.check(again, TensorBytes.seed("w", 1), "the changed bytes");
        engine.free("w");
        assertEquals(0, ssd.allocatedBytes());
    }

    @Test
    void heldCopiesAreReleasedWhenAWriteFindsNoSpaceAndAreNotTakenAfter() throws Exception {
        open(64 * MIB, 8 * MIB);
        registerWithCopy("a", 4 * MIB, null);
        roundTrip("a");
        Placement copy = engine.freeKeepingCopy("a");
        register("b", 6 * MIB); // 4 + 6 MiB do not fit in 8
        assertEquals(6 * MIB, await(engine.offload("b", 0, false)), "written once the copy made room");
        assertTrue(copy.isReleased());
        engine.free("b");

        registerWithCopy("a", 4 * MIB, copy);
        assertEquals(4 * MIB, await(engine.offload("a", 0, false)));
        assertEquals(0, engine.stats().copiesReused(), "a released copy is not taken: the tensor is written");
        assertEquals(14 * MIB, engine.stats().bytesToSsd());
        await(engine.prefetch("a", false));
        TensorBytes.check(engine.acquire("a"), TensorBytes.seed("a", 0), "read back");
        Placement second = engine.freeKeepingCopy("a");
        engine.releaseCopy(second);
        assertTrue(second.isReleased());
        assertEquals(0, ssd.allocatedBytes());
    }

    @Test
    void aPrefetchWaitsForDeviceMemory() throws Exception {
        open(6 * MIB);
        register("a", 4 * MIB);
        await(engine.offload("a", 0, false));
        register("b", 4 * MIB);
        CompletableFuture<Long> prefetch = engine.prefetch("a", false);
        Thread.sleep(100);
        assertFalse(prefetch.isDone(), "4 MiB do not fit next to b's 4 MiB in 6 MiB");
        assertSame(TensorState.PREFETCHING, engine.state("a"));
        await(engine.offload("b", IoEngine.HOST, false));
        assertEquals(4 * MIB, await(prefetch));
        TensorBytes.check(engine.acquire("a"), TensorBytes.seed("a", 0), "a");
        assertEquals(4 * MIB, engine.memory().peakUsedBytes());
        assertEquals(4 * MIB, engine.stats().bytesToHost());
    }

    @Test
    void operationsThatDoNotApplyAreSkipped() throws Exception {
        open(64 * MIB);
        register("a", MIB);
        assertEquals(0, await(engine.prefetch("a", false)), "resident: nothing to prefetch");
        assertEquals(MIB, await(engine.offload("a", 0, false)));
        assertEquals(0, await(engine.offload("a", 0, false)), "already offloaded");
        assertEquals(0, await(engine.offload("nope", 0, false)), "unknown");
        assertEquals(3, engine.stats().skipped());
        assertSame(TensorState.OFFLOADED, engine.state("a"));
    }

    @Test
    void freeDoesNotWaitForInFlightIoAndGivesEverythingBackWhenItEnds() throws Exception {
        open(64 * MIB);
        register("a", 4 * MIB);
        register("b", 4 * MIB);
        await(engine.offload("b", 0, false));
        ssd.writeDelayMillis.set(300);
        CompletableFuture<Long> offload = engine.offload("a", 0, false);
        long start = System.nanoTime();
        engine.free("a");
        engine.free("b");
        assertTrue(System.nanoTime() - start < 200_000_000L, "free waited for the write of a dead tensor");
        assertNull(engine.state("a"));
        assertEquals(0, engine.tensors().size());
        register("a", MIB); // the key is free again at once (the next iteration's tensor of the same site)
        await(offload);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((engine.memory().usedBytes() != MIB || ssd.allocatedBytes() != 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(MIB, engine.memory().usedBytes(), "the old tensor's memory is given back when its write ends");
        assertEquals(0, ssd.allocatedBytes());
        engine.free("a");
        assertThrows(IllegalArgumentException.class, () -> engine.acquire("a"));
        assertThrows(IllegalArgumentException.class, () -> engine.free("a"));
    }

    @Test
    void keysAreUnique() throws Exception {
        open(64 * MIB);
        register("a", MIB);
        DeviceBuffer other = engine.memory().allocate(MIB, 0);
        assertThrows(IllegalArgumentException.class, () -> engine.register("a", other));
        other.close();
    }

    @Test
    void closeFreesEveryBufferAndIsIdempotent() throws Exception {
        open(64 * MIB);
        register("resident", MIB);
        register("offloaded", MIB);
        register("offloading", MIB);
        await(engine.offload("offloaded", 0, false));
        ssd.writeDelayMillis.set(100);
        CompletableFuture<Long> offloading = engine.offload("offloading", 0, false);
        engine.close();
        engine.close();
        assertTrue(offloading.isDone());
        assertEquals(0, engine.memory().usedBytes());
        assertEquals(0, engine.tensors().size());
        assertThrows(IllegalStateException.class, () -> engine.acquire("resident"));
    }

    @Test
    void openMakesARunDirectoryPerSsdAndCloseDeletesThem() throws Exception {
        Path nvme0 = Files.createDirectory(tmp.resolve("nvme0"));
        Path nvme1 = Files.createDirectory(tmp.resolve("nvme1"));
        Path stale = CrashedRuns.make(nvme0, RunDirectory.PREFIX + "999999999-1", null, CrashedRuns.bootId());
        try (MigrationEngine opened = MigrationEngine.open(config("dirs", nvme0 + ":" + nvme1, "deviceMemory", "16m",
                "hostMemory", "16m", "io.preallocate", "4m", "verify", "true"))) {
            assertEquals(2, opened.io().ssdCount());
            assertTrue(opened.io().hasHost());
            assertFalse(Files.exists(stale), "a crashed run's directory is removed");
            assertEquals(1, runDirectories(nvme0).size());
            DeviceBuffer b = opened.memory().allocate(3 * MIB + 1, 0);
            TensorBytes.fill(b, 7);
            opened.register("t", b);
            for (int target : new int[] {0, 1, IoEngine.HOST}) {
                assertEquals(3 * MIB + 1, await(opened.offload("t", target, false)));
                TensorBytes.check(opened.acquire("t"), 7, "t via " + target);
            }
        }
        assertEquals(List.of(), runDirectories(nvme0));
        assertEquals(List.of(), runDirectories(nvme1));
    }

    private static List<Path> runDirectories(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().startsWith(RunDirectory.PREFIX)).toList();
        }
    }
}
