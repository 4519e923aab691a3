package io.teraio.core.storage;

import io.teraio.core.config.TeraioConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A {@link DeviceMemory} that core does not build itself (CUDA memory through JCuda, from
 * {@code teraio-gds-native}), found with {@link ServiceLoader}; {@code memory=cuda} selects it.
 */
public interface DeviceMemoryProvider {
    /** The memory's name as {@code memory} takes it: {@code cuda}. */
    String name();

    /** Whether device {@code config.device()} can be used here, and why not. */
    Availability availability(TeraioConfig config);

    /**
     * Opens {@code config.deviceMemoryBytes()} of memory on device {@code config.device()}.
     *
     * @throws io.teraio.core.TeraioException with the reason when the device cannot be used
     */
    DeviceMemory open(TeraioConfig config);

    /** The provider of that name on the class path, if any. */
    static Optional<DeviceMemoryProvider> find(String name) {
        List<DeviceMemoryProvider> all = new ArrayList<>();
        ServiceLoader.load(DeviceMemoryProvider.class, DeviceMemoryProvider.class.getClassLoader()).forEach(all::add);
        return all.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
