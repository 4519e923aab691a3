package io.teraio.core.engine;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.BackendProvider;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.DeviceMemoryProvider;
import io.teraio.core.storage.HostDeviceMemory;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link MigrationEngine#open} picks the SSD backend and the device memory for a
 * configuration, and the one line that says why. {@code backend=posix}: O_DIRECT files.
 * {@code backend=gds}: cuFile through the {@link BackendProvider} named {@code gds}, or a
 * {@link TeraioException} at once with the reason it cannot be had. {@code backend=auto}:
 * cuFile when it is available and the tensors are in CUDA memory; otherwise O_DIRECT files,
 * through the provider's pinned bounce buffers when the tensors are in CUDA memory, with the
 * reason cuFile was not used.
 */
public final class BackendSelection {
    private BackendSelection() {
    }

    /**
     * The backend chosen and why.
     *
     * @param backend  {@code posix}, {@code gds} or {@code posix-pinned} (O_DIRECT files with
     *                 the device's bytes staged in pinned host buffers)
     * @param provider the provider that opens the SSD backends, or {@code null} for plain posix
     * @param reason   the line logged at start: {@code backend auto: posix (O_DIRECT files),
     *                 because cuFile is not available: ...}
     */
    public record Choice(String backend, BackendProvider provider, String reason) {
    }

    /** The choice for {@code config} with the providers on the class path. */
    public static Choice choose(TeraioConfig config) {
        return choose(config, BackendProvider.find("gds"));
    }

    /** The choice for {@code config} with {@code gds} as the cuFile provider (empty: none installed). */
    static Choice choose(TeraioConfig config, Optional<BackendProvider> gds) {
        Objects.requireNonNull(config, "config");
        String missing = "the GDS bridge (teraio-gds-native) is not on the class path";
        switch (config.backend()) {
            case "posix":
                return new Choice("posix", null, "backend posix: O_DIRECT files, as configured");
            case "gds": {
                BackendProvider provider = gds.orElseThrow(() -> new TeraioException("backend gds: " + missing
                        + "; use backend=auto or backend=posix"));
                Availability a = provider.availability(config);
                if (!a.available()) {
                    throw new TeraioException("backend gds: cuFile is not available: " + a.reason()
                            + "; use backend=auto or backend=posix");
                }
                return new Choice("gds", provider, "backend gds: cuFile, as configured (" + a.reason() + ")");
            }
            case "auto": {
                if (gds.isEmpty()) {
                    return new Choice("posix", null, "backend auto: posix (O_DIRECT files), because " + missing);
                }
                Availability a = gds.get().availability(config);
                boolean cuda = config.memory().equals("cuda");
                if (a.available() && cuda) {
                    return new Choice("gds", gds.get(), "backend auto: gds (cuFile), because it is available: "
                            + a.reason());
                }
                if (a.available()) {
                    return new Choice("posix", null, "backend auto: posix (O_DIRECT files), because memory=host"
                            + " (cuFile moves CUDA memory; " + a.reason() + ")");
                }
                if (cuda) {
                    return new Choice("posix-pinned", gds.get(), "backend auto: posix (O_DIRECT files) through pinned"
                            + " bounce buffers, because cuFile is not available: " + a.reason());
                }
                return new Choice("posix", null, "backend auto: posix (O_DIRECT files), because cuFile is not"
                        + " available: " + a.reason());
            }
            default:
                throw new TeraioException("backend '" + config.backend() + "' is not a backend; use auto, posix or gds");
        }
    }

    /**
     * Opens the device memory {@code config.memory()} names: {@code host} (off-heap), or
     * {@code cuda} through the {@link DeviceMemoryProvider} of that name.
     *
     * @throws TeraioException naming why CUDA memory cannot be had (no provider, no driver, no device)
     */
    public static DeviceMemory openMemory(TeraioConfig config) {
        return openMemory(config, DeviceMemoryProvider.find(config.memory()));
    }

    static DeviceMemory openMemory(TeraioConfig config, Optional<DeviceMemoryProvider> provider) {
        if (config.memory().equals("host")) {
            return new HostDeviceMemory(config.deviceMemoryBytes());
        }
        DeviceMemoryProvider p = provider.orElseThrow(() -> new TeraioException("memory " + config.memory()
                + ": the GDS bridge (teraio-gds-native) is not on the class path; use memory=host"));
        Availability a = p.availability(config);
        if (!a.available()) {
            throw new TeraioException("memory " + config.memory() + ": CUDA device " + config.device()
                    + " is not available: " + a.reason() + "; use memory=host");
        }
        return p.open(config);
    }
}
