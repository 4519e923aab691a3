package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.await;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.StorageBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bytes round-trip exactly through every backend: one contract, a subclass per backend. Sizes
 * from 1 B to 64 MiB, aligned and not, urgent and not, with and without verify, through the
 * {@link IoEngine} and through the {@link MigrationEngine}.
 */
abstract class RoundTripContract {
    /** Unaligned and aligned edge sizes, then random ones. */
    static final long[] SIZES = LongStream.concat(
            LongStream.of(1, 4095, 4096, 4097, MIB - 1, 4 * MIB + 1, 64 * MIB),
            new Random(42).longs(6, 1, 16 * MIB)).toArray();

    @TempDir
    Path tmp;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private List<StorageBackend> ssds;
    private StorageBackend host;

    /** The SSD backends to test (register what else needs closing with {@link #closeLater}). */
    abstract List<StorageBackend> openSsds(Path dir);

    /** The host tier to test, or null. */
    abstract StorageBackend openHost();

    /** The targets to write to. */
    abstract int[] targets();

    final <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    @BeforeEach
    void openBackends() {
        ssds = openSsds(tmp);
        host = openHost();
        resources.addAll(ssds);
        if (host != null) {
            resources.add(host);
        }
    }

    @AfterEach
    void closeBackends() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private IoEngine engine(boolean verify) {
        return new IoEngine(ssds, host, config("io.taskSize", "1m", "io.queueDepth", "4", "io.threads", "2",
                "verify", Boolean.toString(verify)));
    }

    @ParameterizedTest(name = "verify={0}")
    @ValueSource(booleans = {false, true})
    void ioEngineRoundTripsEveryByte(boolean verify) throws Exception {
        try (IoEngine io = engine(verify); DeviceMemory memory = new HostDeviceMemory(160 * MIB)) {
            roundTrips(io, memory);
            assertEquals(0, io.stats().failedWrites() + io.stats().failedReads() + io.stats().crcMismatches());
        }
        assertAllSpaceReleased();
    }

    @Test
    void buffersWithoutHostViewRoundTripThroughBounceBuffers() throws Exception {
        try (IoEngine io = engine(true); DeviceMemory memory = new OpaqueDeviceMemory(160 * MIB)) {
            roundTrips(io, memory);
            IoStats stats = io.stats();
            assertEquals(stats.tasks(), stats.bouncedTasks(), "every task of an opaque buffer is bounced");
        }
        assertAllSpaceReleased();
    }

    private void roundTrips(IoEngine io, DeviceMemory memory) throws Exception {
        int n = 0;
        for (int target : targets()) {
            for (long size : SIZES) {
                boolean urgent = n++ % 2 == 0;
                String what = "target " + target + ", " + size + " bytes, urgent " + urgent;
                long seed = TensorBytes.seed(what, 0);
                try (DeviceBuffer src = memory.allocate(size, 0); DeviceBuffer dst = memory.allocate(size, 0)) {
                    TensorBytes.fill(src, seed);
                    Placement placement = io.allocate(size, target);
                    assertEquals(size, await(io.write(what, placement, src, urgent)), what);
                    assertEquals(size, await(io.read(what, placement, dst, urgent)), what);
                    TensorBytes.check(dst, seed, what);
                    io.release(placement);
                    io.release(placement); // idempotent
                }
            }
        }
    }

    @ParameterizedTest(name = "verify={0}")
    @ValueSource(booleans = {false, true})
    void migrationEngineRoundTripsEveryByte(boolean verify) throws Exception {
        try (MigrationEngine engine = new MigrationEngine(engine(verify), new HostDeviceMemory(80 * MIB))) {
            DeviceMemory memory = engine.memory();
            int n = 0;
            for (int target : targets()) {
                for (long size : SIZES) {
                    boolean urgent = n % 2 == 0;
                    String key = "t" + n++;
                    long seed = TensorBytes.seed(key, 0);
                    DeviceBuffer buffer = memory.allocate(size, 0);
                    TensorBytes.fill(buffer, seed);
                    engine.register(key, buffer);

                    assertEquals(size, await(engine.offload(key, target, urgent)), key);
                    assertSame(TensorState.OFFLOADED, engine.state(key));
                    assertEquals(0, memory.usedBytes(), "device memory is freed once the write completes");
                    assertEquals(size, await(engine.prefetch(key, urgent)), key);
                    assertSame(TensorState.RESIDENT, engine.state(key));
                    TensorBytes.check(engine.acquire(key), seed, key + " after prefetch");

                    assertEquals(size, await(engine.offload(key, target, !urgent)), key);
                    TensorBytes.check(engine.acquire(key), seed, key + " after a miss");
                    engine.free(key);
                    assertEquals(0, memory.usedBytes());
                }
            }
            EngineStats stats = engine.stats();
            assertEquals(2L * n, stats.offloads());
            assertEquals(n, stats.prefetches());
            assertEquals(n, stats.misses());
            assertEquals(0, stats.failedWrites() + stats.failedReads() + stats.skipped() + stats.crcMismatches());
            long total = LongStream.of(SIZES).sum() * targets().length;
            assertEquals(2 * total, stats.bytesToSsd() + stats.bytesToHost());
            assertEquals(2 * total, stats.bytesFromSsd() + stats.bytesFromHost());
        }
        assertAllSpaceReleased();
    }

    @Test
    void releasedSpaceIsReused() throws Exception {
        try (IoEngine io = engine(false); DeviceMemory memory = new HostDeviceMemory(16 * MIB)) {
            for (int target : targets()) {
                Placement first = io.allocate(4 * MIB, target);
                String before = first.describe();
                io.release(first);
                Placement second = io.allocate(4 * MIB, target);
                assertEquals(before, second.describe(), "the same space again");
                io.release(second);
            }
            assertEquals(0, memory.usedBytes());
        }
        assertAllSpaceReleased();
    }

    private void assertAllSpaceReleased() {
        for (StorageBackend b : ssds) {
            assertEquals(0, b.allocatedBytes(), b.location());
        }
        if (host != null) {
            assertEquals(0, host.allocatedBytes(), host.location());
        }
    }
}
