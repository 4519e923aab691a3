package io.teraio.core.storage;

import java.nio.file.Path;

/** The backend contract on an O_DIRECT file. */
class PosixStorageBackendContractTest extends StorageBackendContract {
    @Override
    protected StorageBackend open(Path dir) {
        return new PosixStorageBackend(closeLater(RunDirectory.create(dir)), 0, 1L << 20);
    }
}
