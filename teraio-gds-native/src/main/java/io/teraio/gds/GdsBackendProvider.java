package io.teraio.gds;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.BackendProvider;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;

/** The {@code gds} backend for {@link BackendProvider}'s {@code ServiceLoader}: {@link GdsStorageBackend}. */
public final class GdsBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "gds";
    }

    /** {@link Gds#availability(String)} for the configured {@code gds.cufileLibrary}. */
    @Override
    public Availability availability(TeraioConfig config) {
        return Gds.availability(config.cufileLibrary());
    }

    @Override
    public StorageBackend open(RunDirectory run, int ssdId, TeraioConfig config) {
        return GdsStorageBackend.open(run, ssdId, config);
    }
}
