package io.teraio.gds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceMemoryProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a CUDA driver, JCuda's failure is the reason CUDA memory is unavailable, never a crash. */
class CudaAvailabilityTest {
    @Test
    void withoutADriverCudaIsUnavailableWithTheReason() {
        Availability a = Cuda.availability(0);
        assumeFalse(a.available(), "a CUDA device is here: " + a.reason());
        assertTrue(a.reason().startsWith("no GPU: cudaGetDeviceCount failed with code ")
                || a.reason().startsWith("no GPU: the CUDA driver reports no devices")
                || a.reason().startsWith("no CUDA runtime: "), a.reason());
        assertEquals(List.of(), Cuda.devices());
        TeraioException e = assertThrows(TeraioException.class, () -> new CudaDeviceMemory(0, 1 << 20));
        assertEquals("CUDA device memory on device 0: " + a.reason(), e.getMessage());
    }

    @Test
    void theCudaMemoryProviderIsFoundAndMemoryCudaFailsAtOpenWithTheReason(@TempDir Path dir) {
        DeviceMemoryProvider provider = DeviceMemoryProvider.find("cuda").orElseThrow();
        TeraioConfig config = TeraioConfig.resolve(Map.of("memory", "cuda", "dirs", dir.toString(),
                "io.preallocate", "0"), Map.of(), Map.of());
        Availability a = provider.availability(config);
        assumeFalse(a.available(), "a CUDA device is here");
        TeraioException e = assertThrows(TeraioException.class, () -> MigrationEngine.open(config));
        assertTrue(e.getMessage().startsWith("memory cuda: CUDA device 0 is not available: " + a.reason()),
                e.getMessage());
    }

    @Test
    void aDeviceOutsideTheDriversCountIsNamed() {
        Availability zero = Cuda.availability(0);
        int count = Cuda.devices().size();
        assumeFalse(count > 7, "eight GPUs here");
        Availability seven = Cuda.availability(7);
        assertFalse(seven.available());
        assertEquals(zero.available() ? "no CUDA device 7: the driver reports " + count + " (0 to " + (count - 1) + ")"
                : zero.reason(), seven.reason());
    }
}
