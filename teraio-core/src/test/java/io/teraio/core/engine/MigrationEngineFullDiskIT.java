package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.await;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.LoopMount;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full SSD during training: the offload that does not fit fails with ENOSPC at allocation,
 * its tensor stays in device memory with its bytes, training goes on, and once space is freed
 * the same tensor offloads. Needs a loop-mounted 32 MiB ext4 (skipped where it cannot mount).
 */
class MigrationEngineFullDiskIT {
    private static final int TENSORS = 6;
    private static final long TENSOR_BYTES = 8 * MIB + 1;

    @TempDir
    Path tmp;

    @Test
    void anOffloadToAFullDiskLeavesTheTensorResidentAndTrainingGoesOn() throws Exception {
        try (LoopMount disk = LoopMount.ext4(tmp.resolve("disk.img"), 32 * MIB);
             MigrationEngine engine = MigrationEngine.open(config("dirs", disk.dir().toString(), "deviceMemory", "64m",
                     "hostMemory", "0", "io.preallocate", "1m", "verify", "true"))) {
            for (int i = 0; i < TENSORS; i++) {
                DeviceBuffer buffer = engine.memory().allocate(TENSOR_BYTES, 0);
                TensorBytes.fill(buffer, TensorBytes.seed("t" + i, 0));
                engine.register("t" + i, buffer);
            }
            int offloaded = 0;
            for (int i = 0; i < TENSORS; i++) {
                long written = await(engine.offload("t" + i, 0, false));
                if (written == TENSOR_BYTES) {
                    offloaded++;
                    assertSame(TensorState.OFFLOADED, engine.state("t" + i));
                } else {
                    assertEquals(0, written, "a failed offload completes with 0");
                    assertSame(TensorState.RESIDENT, engine.state("t" + i));
                }
            }
            assertTrue(offloaded >= 1 && offloaded < TENSORS, offloaded + " of 6 x 8 MiB fit on a 32 MiB disk");
            assertEquals(TENSORS - offloaded, engine.stats().failedWrites());
            for (int i = 0; i < TENSORS; i++) {
                TensorBytes.check(engine.acquire("t" + i), TensorBytes.seed("t" + i, 0), "t" + i);
            }

            // the acquires brought everything back and released the space: the last one fits now
            String last = "t" + (TENSORS - 1);
            assertEquals(TENSOR_BYTES, await(engine.offload(last, 0, false)));
            TensorBytes.check(engine.acquire(last), TensorBytes.seed(last, 0), last + " after space was freed");
        }
    }
}
