package io.teraio.core.engine;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.internal.Closing;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One {@link MigrationEngine} per device of a multi-GPU machine, each with {@code device=N}:
 * tensors of device N move only through engine N. Engine N opens every SSD that serves device
 * N ({@link HardwareProfile#ssdsFor}: those {@code hardware.json} maps to it,
 * {@code ssds[].device}, and those mapped to any device, {@code -1}), so an SSD that serves every
 * device is used by every engine, each in a run directory of its own, as the job planner and the
 * simulator assume. Engine N's SSD {@code i} is the {@code i}-th of its SSDs in the profile's
 * order; {@link #enginePlan} renumbers a device's plan, which names the profile's SSD ids, to
 * its engine's. An idempotent {@link AutoCloseable} that closes every engine.
 */
public final class DeviceEngines implements AutoCloseable {
    private final List<MigrationEngine> engines;
    private final List<TeraioConfig> configs;
    private final List<List<Ssd>> ssds;

    private DeviceEngines(List<MigrationEngine> engines, List<TeraioConfig> configs, List<List<Ssd>> ssds) {
        this.engines = List.copyOf(engines);
        this.configs = List.copyOf(configs);
        this.ssds = List.copyOf(ssds);
    }

    /**
     * The configuration of each device's engine: {@code base} with {@code device=N} and the
     * directories of the SSDs serving device N.
     *
     * @throws TeraioException when an SSD has no directory or a device has no SSD
     */
    public static List<TeraioConfig> configs(TeraioConfig base, HardwareProfile hardware) {
        return configs(base, hardware, serving(hardware));
    }

    /** Each device's SSDs: those serving it, in the profile's order. */
    private static List<List<Ssd>> serving(HardwareProfile hardware) {
        List<List<Ssd>> result = new ArrayList<>();
        for (int d = 0; d < hardware.devices().size(); d++) {
            result.add(List.copyOf(hardware.ssdsFor(d)));
        }
        return result;
    }

    private static List<TeraioConfig> configs(TeraioConfig base, HardwareProfile hardware, List<List<Ssd>> ssds) {
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
            for (Ssd ssd : ssds.get(d)) {
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
     * Opens an engine per device of {@code hardware} ({@link #configs}) with
     * {@link MigrationEngine#open}; if one fails, the ones opened are closed and the failure thrown.
     *
     * @throws TeraioException when an SSD has no directory or a device has no SSD
     */
    public static DeviceEngines open(TeraioConfig base, HardwareProfile hardware) {
        List<List<Ssd>> ssds = serving(hardware);
        List<MigrationEngine> opened = new ArrayList<>();
        List<TeraioConfig> configs = configs(base, hardware, ssds);
        try {
            for (TeraioConfig config : configs) {
                opened.add(MigrationEngine.open(config));
            }
        } catch (RuntimeException e) {
            throw Closing.after(e, opened);
        }
        return new DeviceEngines(opened, configs, ssds);
    }

    /** Device {@code device}'s SSDs as its engine numbers them (its SSD {@code i} is element {@code i}). */
    public List<Ssd> ssds(int device) {
        return ssds.get(device);
    }

    /**
     * Device {@code device}'s plan as its engine runs it: every SSD target, an SSD id of the
     * hardware profile, renumbered to the engine's index of that SSD; host targets as they are.
     *
     * @throws TeraioException naming the entry and the SSDs the engine has, when the plan sends
     *                         a tensor to an SSD the device's engine does not have
     */
    public Plan enginePlan(int device, Plan plan) {
        List<Ssd> own = ssds.get(device);
        List<PlanEntry> entries = new ArrayList<>(plan.entries().size());
        for (PlanEntry e : plan.entries()) {
            if (e.target() != PlanTarget.SSD) {
                entries.add(e);
                continue;
            }
            int index = -1;
            for (int i = 0; i < own.size() && index < 0; i++) {
                index = own.get(i).id() == e.ssd() ? i : -1;
            }
            if (index < 0) {
                throw new TeraioException("device " + device + "'s plan sends tensor " + e.tensor() + " ('" + e.key()
                        + "') to ssd " + e.ssd() + ", which device " + device + "'s engine does not have (its SSDs: "
                        + own.stream().map(s -> Integer.toString(s.id())).toList() + ")");
            }
            entries.add(new PlanEntry(e.tensor(), e.key(), e.action(), e.target(), index, e.issueAtOp(),
                    e.deadlineOp(), e.urgent()));
        }
        return new Plan(plan.traceSha256(), plan.opsPerIteration(), plan.hardware(), plan.policy(), entries,
                plan.predicted());
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
