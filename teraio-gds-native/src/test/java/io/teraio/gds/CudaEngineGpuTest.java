package io.teraio.gds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceBuffer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a GPU machine: tensors in CUDA memory offload to an O_DIRECT file and come back
 * bit-identical through the engine, with every backend: auto (cuFile where it works, else
 * pinned bounce buffers), posix (the engine's own bounce buffers), gds (cuFile, skipped
 * without it), with and without verify.
 */
@Tag("gpu")
class CudaEngineGpuTest {
    private static final long[] SIZES = {1, 4095, 4096, 4097, (1 << 20) - 1, (4 << 20) + 1, 24 << 20};

    @TempDir
    Path dir;

    @ParameterizedTest(name = "backend={0} verify={1}")
    @CsvSource({"auto,false", "auto,true", "posix,false", "gds,false"})
    void tensorsInCudaMemoryRoundTrip(String backend, boolean verify) throws Exception {
        Availability cuda = Cuda.availability(0);
        assumeTrue(cuda.available(), cuda.reason());
        if (backend.equals("gds")) {
            assumeTrue(Gds.isAvailable(), "backend gds: " + Gds.unavailabilityCause());
        }
        TeraioConfig config = TeraioConfig.resolve(Map.of("memory", "cuda", "backend", backend, "dirs",
                dir.toString(), "deviceMemory", "128m", "hostMemory", "0", "io.preallocate", "64m", "verify",
                Boolean.toString(verify)), Map.of(), Map.of());
        Random random = new Random(11);
        try (MigrationEngine engine = MigrationEngine.open(config)) {
            for (long size : SIZES) {
                String key = "t" + size;
                byte[] data = new byte[(int) size];
                random.nextBytes(data);
                DeviceBuffer buffer = engine.memory().allocate(size, 0);
                buffer.copyFromHost(0, ByteBuffer.wrap(data));
                engine.register(key, buffer);
                assertEquals(size, engine.offload(key, 0, false).join(), key);
                assertEquals(0, engine.memory().usedBytes(), "freed once written");
                assertEquals(size, engine.prefetch(key, false).join(), key);
                ByteBuffer back = ByteBuffer.allocate((int) size);
                engine.acquire(key).copyToHost(0, back);
                assertArrayEquals(data, back.array(), key + " via " + backend);
                engine.free(key);
            }
            assertEquals(0, engine.stats().failedWrites() + engine.stats().failedReads());
            assertEquals(0, engine.io().stats().crcMismatches());
            if (!verify && !backend.equals("posix")) {
                assertEquals(0, engine.io().stats().bouncedTasks(), "the backend moved CUDA memory itself");
            }
        }
    }
}
