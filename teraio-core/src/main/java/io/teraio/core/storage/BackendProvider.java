package io.teraio.core.storage;

import io.teraio.core.config.TeraioConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A storage backend that core does not build itself (cuFile, from {@code teraio-gds-native}),
 * found with {@link ServiceLoader} so that core does not depend on its module. The migration
 * engine asks {@link #availability} and, for {@code backend=gds} or {@code auto}, opens one
 * backend per SSD with {@link #open}.
 */
public interface BackendProvider {
    /** The backend's name as {@code backend} takes it: {@code gds}. */
    String name();

    /** Whether the backend can move bytes on this machine for {@code config}, and why not. */
    Availability availability(TeraioConfig config);

    /**
     * Opens SSD {@code ssdId}'s backend in {@code run}. When {@link #availability} says no and
     * the device memory is not host-addressable, the provider may still open a backend that
     * moves the device's bytes through its own pinned buffers to O_DIRECT files, or throw.
     *
     * @throws io.teraio.core.TeraioException naming what is missing when it cannot open one
     * @throws StorageException               when the SSD file cannot be opened
     */
    StorageBackend open(RunDirectory run, int ssdId, TeraioConfig config);

    /** The provider of that name on the class path, if any. */
    static Optional<BackendProvider> find(String name) {
        return installed().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Every provider on the class path of this interface's class loader. */
    static List<BackendProvider> installed() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, BackendProvider.class.getClassLoader()).forEach(all::add);
        return all;
    }
}
