package io.teraio.core.engine;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.internal.Closing;
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
    private final List<TeraioConfig> configs;

    private DeviceEngines(List<MigrationEngine> engines, List<TeraioConfig> configs) {
        this.engines = List.copyOf(engines);
        this.configs = List.copyOf(configs);
    }

    /**
     * The configuration of each device's engine: {@code base} with {@code device=N} and the
     * directories of device N's SSDs.
     *
     * @throws TeraioException when an SSD has no directory or a device gets no SSD
     */
    public static List<TeraioConfig> configs(TeraioConfig base, HardwareProfile hardware) {
        Objects.requireNonNull(base, "base");
        for (Ssd ssd : hardware.ssds()) {
            if (ssd.directory() == null) {
                throw new TeraioException("hardware profile: ssd " + ssd.id() + " has no directory; the engine of"
                        + " each device needs its SSDs' directories (ssds[].directory)");
            }
        }
        int devices = hardware.devices().size();
        List<TeraioConfig> configs = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            List<Path> dirs = new ArrayList<>();
            for (Ssd ssd : hardware.engineSsds(d)) {
                dirs.add(Path.of(ssd.directory()));
            }
            if (dirs.isEmpty()) {
                throw new TeraioException("hardware profile: device " + d + " has no SSD; map one to it"
                        + " (ssds[].device = " + d + ") or add one mapped to any device (-1)");
            }
            configs.add(base.withDevice(d, dirs));
        }
        return configs;
    }

    /**
     * Opens an engine per device of {@code hardware} with {@link MigrationEngine#open}; if one
     * fails, the ones opened are closed and the failure thrown.
     */
    public static DeviceEngines open(TeraioConfig base, HardwareProfile hardware) {
        List<MigrationEngine> opened = new ArrayList<>();
        List<TeraioConfig> configs = configs(base, hardware);
        try {
            for (TeraioConfig config : configs) {
                opened.add(MigrationEngine.open(config));
            }
        } catch (RuntimeException e) {
            throw Closing.after(e, opened);
        }
        return new DeviceEngines(opened, configs);
    }

    /** The number of devices (engines). */
    public int size() {
        return engines.size();
    }

    /** Device {@code device}'s engine. */
    public MigrationEngine engine(int device) {
        return engines.get(device);
    }

    /** The configuration device {@code device}'s engine was opened with ({@link #configs}). */
    public TeraioConfig config(int device) {
        return configs.get(device);
    }

    /** Closes every engine (all of them, even when one fails; the first failure is thrown). */
    @Override
    public void close() {
        Closing.all(engines);
    }
}
