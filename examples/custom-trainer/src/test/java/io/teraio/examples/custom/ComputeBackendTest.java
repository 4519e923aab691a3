package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.storage.Availability;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code compute} option: cpu always; cuda only with a usable GPU, else an error naming
 * why; auto falls back to cpu and says why. On a machine without a GPU (the build's) the
 * fallback branches run; on a GPU machine the others.
 */
class ComputeBackendTest {
    private final Availability cuda = ComputeBackend.CUDA.availability(0);

    @Test
    void cpuIsAlwaysThere() {
        assertEquals(ComputeBackend.CPU, ComputeBackend.select("cpu", 0).backend());
        assertTrue(ComputeBackend.CPU.availability(0).available());
    }

    @Test
    void cudaRunsWithAGpuAndOtherwiseFailsNamingWhy() {
        if (cuda.available()) {
            assertEquals(ComputeBackend.CUDA, ComputeBackend.select("cuda", 0).backend());
        } else {
            TeraioException e = assertThrows(TeraioException.class, () -> ComputeBackend.select("cuda", 0));
            assertEquals("compute cuda: " + cuda.reason() + "; use compute cpu or auto",
                    e.getMessage());
        }
    }

    @Test
    void autoTakesCudaWhenThereIsAGpuElseCpuSayingWhy() {
        ComputeBackend.Selection s = ComputeBackend.select("auto", 0);
        if (cuda.available()) {
            assertEquals(ComputeBackend.CUDA, s.backend());
        } else {
            assertEquals(ComputeBackend.CPU, s.backend());
            assertEquals("compute auto: cpu, because " + cuda.reason(), s.reason());
        }
    }

    @Test
    void anotherWordIsAnError() {
        TeraioException e = assertThrows(TeraioException.class, () -> ComputeBackend.select("gpu", 0));
        assertEquals("compute 'gpu': use cpu, cuda or auto", e.getMessage());
    }

    @Test
    void cudaComputeWithHostMemoryIsRefusedBeforeAnythingOpens() {
        TeraioConfig host = TeraioConfig.resolve(Map.of("memory", "host"), Map.of(), Map.of());
        TeraioException e = assertThrows(TeraioException.class,
                () -> MlpTrainer.open(MlpSpec.small(), host, SessionOptions.off(), ComputeBackend.CUDA));
        assertEquals("compute cuda computes on CUDA device memory: set memory=cuda, got memory=host", e.getMessage());
    }
}
