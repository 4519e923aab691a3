package io.teraio.core.storage;

import java.nio.file.Path;

/** The backend contract on the host tier. */
class HostStorageBackendContractTest extends StorageBackendContract {
    @Override
    protected StorageBackend open(Path dir) {
        return new HostStorageBackend(16L << 20);
    }
}
