package io.teraio.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Core's round-trip contract, with the SSD backends {@code backend=auto} chooses when the GDS
 * bridge is on the class path (found by {@code ServiceLoader}, as {@link MigrationEngine#open}
 * finds it): with host memory that is posix, with the reason cuFile was not used.
 */
class AutoBackendRoundTripTest extends RoundTripContract {
    @Override
    List<StorageBackend> openSsds(Path dir) {
        TeraioConfig config = TeraioConfig.resolve(Map.of("backend", "auto", "io.preallocate", "8m"), Map.of(),
                Map.of());
        BackendSelection.Choice choice = BackendSelection.choose(config);
        assertEquals("posix", choice.backend(), choice.reason());
        assertTrue(choice.reason().startsWith("backend auto: posix (O_DIRECT files), because "), choice.reason());
        assertTrue(!choice.reason().contains("not on the class path"), "the bridge is found: " + choice.reason());
        List<StorageBackend> ssds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RunDirectory run = closeLater(RunDirectory.create(dir.resolve("nvme" + i)));
            ssds.add(choice.provider() == null ? new PosixStorageBackend(run, i, config.preallocateBytes())
                    : choice.provider().open(run, i, config));
        }
        return ssds;
    }

    @Override
    StorageBackend openHost() {
        return null;
    }

    @Override
    int[] targets() {
        return new int[] {0, 1, IoEngine.ANY_SSD};
    }
}
