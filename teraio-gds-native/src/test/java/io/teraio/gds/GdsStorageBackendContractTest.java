package io.teraio.gds;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import io.teraio.core.storage.StorageBackendContract;
import java.nio.file.Path;
import java.util.Map;

/**
 * The backend contract on {@link GdsStorageBackend} with CUDA buffers: cuFile where it is
 * available, pinned bounce buffers where only CUDA is; skipped, with both causes, where
 * neither is (no GPU).
 */
class GdsStorageBackendContractTest extends StorageBackendContract {
    @Override
    protected StorageBackend open(Path dir) {
        Availability cuda = Cuda.availability(0);
        assumeTrue(cuda.available(), "GDS backend contract skipped: cuFile: " + Gds.availability().reason()
                + "; CUDA: " + cuda.reason());
        TeraioConfig config = TeraioConfig.resolve(Map.of("memory", "cuda", "io.preallocate", "1m"), Map.of(),
                Map.of());
        return GdsStorageBackend.open(closeLater(RunDirectory.create(dir)), 0, config);
    }

    @Override
    protected DeviceMemory openMemory() {
        return new CudaDeviceMemory(0, 64L << 20);
    }
}
