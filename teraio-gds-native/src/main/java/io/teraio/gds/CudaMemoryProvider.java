package io.teraio.gds;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.DeviceMemoryProvider;

/** The {@code cuda} device memory for {@link DeviceMemoryProvider}'s {@code ServiceLoader}: {@link CudaDeviceMemory}. */
public final class CudaMemoryProvider implements DeviceMemoryProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Availability availability(TeraioConfig config) {
        return Cuda.availability(config.device());
    }

    @Override
    public DeviceMemory open(TeraioConfig config) {
        return new CudaDeviceMemory(config.device(), config.deviceMemoryBytes());
    }
}
