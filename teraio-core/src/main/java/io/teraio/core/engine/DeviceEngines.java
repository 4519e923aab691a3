package io.teraio.core.engine;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One {@link MigrationEngine} per device of a multi-GPU machine, each with its own SSD
 * directories and {@code device=N}: tensors of device N move only through engine N, so the
 * GPUs never share an SSD queue. {@code hardware.json} maps SSDs to devices
 * ({@code ssds[].device}); SSDs mapped to any device ({@code -1}) are dealt out in turn
 * (the k-th of them to device {@code k % devices}). Engine N's SSD {@code i} is the
 * {@code i}-th SSD of device N in the profile's order. An idempotent {@link AutoCloseable}
 * that closes every engine.
 */
public final class DeviceEngines implements AutoCloseable {
    private final List<MigrationEngine> engines;

    private DeviceEngines(List<MigrationEngine> engines) {
        this.engines = List.copyOf(engines);
    }

    /**
     * The configuration of each device's engine: {@code base} with {@code device=N} and the
     * directories of device N's SSDs.
     *
     * @throws TeraioException when an SSD has no directory or a device gets no SSD
     */
    public static List<TeraioConfig> configs(TeraioConfig base, HardwareProfile hardware) {
        Objects.requireNonNull(base, "base");
        int devices = hardware.devices().size();
        List<List<Path>> dirs = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            dirs.add(new ArrayList<>());
        }
        int shared = 0;
        for (Ssd ssd : hardware.ssds()) {
            if (ssd.directory() == null) {
                throw new TeraioException("hardware profile: ssd " + ssd.id() + " has no directory; the engine of"
                        + " each device needs its SSDs' directories (ssds[].directory)");
            }
            int device = ssd.device() >= 0 ? ssd.device() : shared++ % devices;
            dirs.get(device).add(Path.of(ssd.directory()));
        }
        List<TeraioConfig> configs = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            if (dirs.get(d).isEmpty()) {
                throw new TeraioException("hardware profile: device " + d + " has no SSD; map one to it"
                        + " (ssds[].device = " + d + ") or add one mapped to any device (-1)");
            }
            configs.add(base.withDevice(d, dirs.get(d)));
        }
        return configs;
    }

    /**
     * Opens an engine per device of {@code hardware} with {@link MigrationEngine#open}; if one
     * fails, the ones opened are closed and the failure thrown.
     */
    public static DeviceEngines open(TeraioConfig base, HardwareProfile hardware) {
        List<MigrationEngine> opened = new ArrayList<>();
        try {
            for (TeraioConfig config : configs(base, hardware)) {
                opened.add(MigrationEngine.open(config));
            }
        } catch (RuntimeException e) {
            for (MigrationEngine engine : opened) {
                try {
                    engine.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new DeviceEngines(opened);
    }

    /** The number of devices (engines). */
    public int size() {
        return engines.size();
    }

    /** Device {@code device}'s engine. */
    public MigrationEngine engine(int device) {
        return engines.get(device);
    }

    /** Closes every engine (all of them, even when one fails; the first failure is thrown). */
    @Override
    public void close() {
        RuntimeException first = null;
        for (MigrationEngine engine : engines) {
            try {
                engine.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
