package io.teraio.core.engine;

import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.StorageBackend;
import java.nio.file.Path;
import java.util.List;

/** The round-trip contract on the host tier (off-heap memory, alignment 1). */
class HostRoundTripTest extends RoundTripContract {
    @Override
    List<StorageBackend> openSsds(Path dir) {
        return List.of();
    }

    @Override
    StorageBackend openHost() {
        return new HostStorageBackend(256 << 20);
    }

    @Override
    int[] targets() {
        return new int[] {IoEngine.HOST};
    }
}
