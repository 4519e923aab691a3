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
import org.junit.jupiter.api.Tag;

/** The backend contract in the pinned bounce-buffer mode, also on a GPU machine that has cuFile. */
@Tag("gpu")
class PinnedStorageBackendGpuTest extends StorageBackendContract {
    @Override
    protected StorageBackend open(Path dir) {
        Availability cuda = Cuda.availability(0);
        assumeTrue(cuda.available(), "pinned-mode contract skipped: " + cuda.reason());
        TeraioConfig config = TeraioConfig.resolve(Map.of("memory", "cuda", "io.preallocate", "1m"), Map.of(),
                Map.of());
        return new GdsStorageBackend(closeLater(RunDirectory.create(dir)), 0, config, GdsStorageBackend.Mode.PINNED);
    }

    @Override
    protected DeviceMemory openMemory() {
        return new CudaDeviceMemory(0, 64L << 20);
    }
}
