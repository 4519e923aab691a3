package io.teraio.core.engine;

import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import java.nio.file.Path;
import java.util.List;

/** The round-trip contract on two O_DIRECT SSD files: SSD 0, SSD 1 and striped over both. */
class PosixRoundTripTest extends RoundTripContract {
    @Override
    List<StorageBackend> openSsds(Path dir) {
        RunDirectory run0 = closeLater(RunDirectory.create(dir.resolve("nvme0")));
        RunDirectory run1 = closeLater(RunDirectory.create(dir.resolve("nvme1")));
        return List.of(new PosixStorageBackend(run0, 0, 8 << 20), new PosixStorageBackend(run1, 1, 0));
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
