package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.await;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.Errno;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user sees when storage fails: a failed offload leaves the tensor in device memory
 * and training goes on; a failed read is retried, then reported with the tensor, the file,
 * the offset and the errno; with verify, corrupted bytes are caught, without it they are not.
 */
class EngineFaultTest {
    private static final String KEY = "layer3.adam.m";
    private static final long BYTES = 3 * MIB + 5;

    @TempDir
    Path tmp;
    private RunDirectory run;
    private FaultyBackend ssd;
    private HostStorageBackend host;
    private MigrationEngine engine;

    private MigrationEngine open(boolean verify) {
        run = RunDirectory.create(tmp);
        ssd = new FaultyBackend(new PosixStorageBackend(run, 0, 0));
        host = new HostStorageBackend(1 * MIB);
        IoEngine io = new IoEngine(List.of(ssd), host, config("io.taskSize", "1m", "io.queueDepth", "2",
                "io.threads", "2", "io.readRetries", "2", "verify", Boolean.toString(verify)));
        engine = new MigrationEngine(io, new HostDeviceMemory(64 * MIB));
        return engine;
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
            ssd.close();
            host.close();
            run.close();
        }
    }

    private DeviceBuffer registerTensor() throws InterruptedException {
        DeviceBuffer buffer = engine.memory().allocate(BYTES, 0);
        TensorBytes.fill(buffer, TensorBytes.seed(KEY, 1));
        engine.register(KEY, buffer);
        return buffer;
    }

    private void offload() throws Exception {
        assertEquals(BYTES, await(engine.offload(KEY, 0, false)));
        assertSame(TensorState.OFFLOADED, engine.state(KEY));
    }

    @Test
    void writeEioLeavesTheTensorResidentAndTrainingGoesOn() throws Exception {
        open(false);
        DeviceBuffer buffer = registerTensor();
        ssd.writeErrors.set(1);

        assertEquals(0, await(engine.offload(KEY, 0, false)), "a failed offload completes normally with 0");
        assertSame(TensorState.RESIDENT, engine.state(KEY));
        assertSame(buffer, engine.acquire(KEY));
        TensorBytes.check(buffer, TensorBytes.seed(KEY, 1), "after a failed offload");
        assertEquals(1, engine.stats().failedWrites());
        assertEquals(0, ssd.allocatedBytes(), "the failed offload's space is given back");
        assertEquals(BYTES, engine.memory().usedBytes());

        offload(); // the next one works
        TensorBytes.check(engine.acquire(KEY), TensorBytes.seed(KEY, 1), "after the next offload");
    }

    @Test
    void noSpaceAtAllocateLeavesTheTensorResident() throws Exception {
        open(false);
        registerTensor();
        assertEquals(0, await(engine.offload(KEY, IoEngine.HOST, true)), "3 MiB do not fit a 1 MiB host tier");
        assertSame(TensorState.RESIDENT, engine.state(KEY));
        assertEquals(1, engine.stats().failedWrites());
        TensorBytes.check(engine.acquire(KEY), TensorBytes.seed(KEY, 1), "after ENOSPC");
        assertEquals(0, host.allocatedBytes());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"eio", "short read"})
    void transientReadFailuresAreRetried(String fault) throws Exception {
        open(true);
        registerTensor();
        offload();
        (fault.equals("eio") ? ssd.readErrors : ssd.shortReads).set(2);

        assertEquals(BYTES, await(engine.prefetch(KEY, false)));
        TensorBytes.check(engine.acquire(KEY), TensorBytes.seed(KEY, 1), "after retried reads");
        assertEquals(2, engine.io().stats().retries());
        assertEquals(0, engine.stats().failedReads());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"eio", "short read"})
    void persistentReadFailuresNameTheTensorFileOffsetAndErrno(String fault) throws Exception {
        open(false);
        registerTensor();
        offload();
        AtomicInteger injected = fault.equals("eio") ? ssd.readErrors : ssd.shortReads;
        injected.set(FaultyBackend.PERSISTENT);

        ExecutionException prefetchFailure = assertThrows(ExecutionException.class,
                () -> engine.prefetch(KEY, false).get(60, TimeUnit.SECONDS));
        assertInstanceOf(StorageException.class, prefetchFailure.getCause());
        assertSame(TensorState.OFFLOADED, engine.state(KEY), "its bytes are still on storage");

        StorageException e = assertThrows(StorageException.class, () -> engine.acquire(KEY));
        String message = e.getMessage();
        assertTrue(message.contains("tensor '" + KEY + "'"), message);
        assertTrue(message.contains(ssd.location()), message);
        assertTrue(message.contains("at offset " + e.offset()), message);
        assertTrue(message.contains("EIO (Input/output error)"), message);
        assertTrue(message.contains("after 3 attempts"), message);
        assertEquals(Errno.EIO, e.errno());
        assertEquals(ssd.location(), e.location());
        assertEquals(2, engine.stats().failedReads(), "the prefetch and the acquire's fetch");
        assertEquals(1, engine.stats().misses());

        injected.set(0); // the disk recovers: the bytes were never lost
        TensorBytes.check(engine.acquire(KEY), TensorBytes.seed(KEY, 1), "after the disk recovered");
    }

    @Test
    void withVerifyAFlippedBitIsCaught() throws Exception {
        open(true);
        registerTensor();
        offload();
        ssd.bitFlips.set(FaultyBackend.PERSISTENT);

        CrcMismatchException e = assertThrows(CrcMismatchException.class, () -> engine.acquire(KEY));
        assertTrue(e.getMessage().contains("tensor '" + KEY + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("CRC32C mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(ssd.location()), e.getMessage());
        assertTrue(engine.stats().crcMismatches() >= 1);
        assertSame(TensorState.OFFLOADED, engine.state(KEY));
    }

    /** Why verify exists: without it, a bit flipped on the way back reaches training unnoticed. */
    @Test
    void withoutVerifyAFlippedBitGoesUnnoticed() throws Exception {
        open(false);
        registerTensor();
        offload();
        ssd.bitFlips.set(FaultyBackend.PERSISTENT);

        DeviceBuffer back = engine.acquire(KEY);
        assertFalse(TensorBytes.matches(back, TensorBytes.seed(KEY, 1)), "the corruption went through");
        assertEquals(0, engine.stats().crcMismatches());
        assertEquals(0, engine.stats().failedReads());
    }
}
