package io.teraio.core.session;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.DeviceEngines;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.internal.Closing;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link TeraioSession} per device of a machine, for a trainer that trains on several devices
 * (data-parallel replicas, pipeline stages): session N runs over engine N of a
 * {@link DeviceEngines} (device N's memory, {@code device=N}, the SSDs the hardware profile gives
 * it), records device N's ops and plans for device N alone ({@link HardwareProfile#forDevice}),
 * so the devices never share an SSD queue and each stays within its own memory. The trainer
 * drives each session as it would one (from one thread, or a thread per device: sessions share
 * nothing). An idempotent {@link AutoCloseable} that closes every session and engine.
 *
 * <p>Each device plans on its own: the sessions do not know of each other's traffic, which is
 * right when each device has SSDs of its own; devices that share an SSD (mapped to any device)
 * get it in turn, not together.
 */
public final class DeviceSessions implements AutoCloseable {
    private final DeviceEngines engines;
    private final List<TeraioSession> sessions;

    private DeviceSessions(DeviceEngines engines, List<TeraioSession> sessions) {
        this.engines = engines;
        this.sessions = List.copyOf(sessions);
    }

    /**
     * Opens an engine per device of {@code hardware} ({@link DeviceEngines#open}) and a session
     * over each, run as {@code options} say with device N's share of {@code hardware} as the
     * hardware it plans for; the configuration's {@code deviceMemory} is each device's.
     *
     * @throws IllegalArgumentException for {@link SessionMode#OFFLOAD}: a plan is for one device,
     *         so each device's session takes its own ({@link TeraioSession#open})
     * @throws io.teraio.core.TeraioException when an engine cannot be opened (those opened are closed)
     */
    public static DeviceSessions open(TeraioConfig base, HardwareProfile hardware, SessionOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.mode() == SessionMode.OFFLOAD) {
            throw new IllegalArgumentException("device sessions: offload mode applies one device's plan; open each"
                    + " device's session with its own plan and configuration (DeviceEngines.configs), or use auto,"
                    + " profile or off");
        }
        DeviceEngines engines = DeviceEngines.open(base, hardware);
        List<TeraioSession> sessions = new ArrayList<>();
        try {
            for (int d = 0; d < engines.size(); d++) {
                sessions.add(TeraioSession.over(engines.engine(d), engines.config(d),
                        options.withHardware(hardware.forDevice(d))));
            }
        } catch (RuntimeException e) {
            throw Closing.after(e, closingOrder(sessions, engines));
        }
        return new DeviceSessions(engines, sessions);
    }

    /** The number of devices (sessions). */
    public int size() {
        return sessions.size();
    }

    /** Device {@code device}'s session. */
    public TeraioSession session(int device) {
        return sessions.get(device);
    }

    /** Every device's stats, in device order. */
    public List<SessionStats> stats() {
        List<SessionStats> stats = new ArrayList<>();
        for (TeraioSession s : sessions) {
            stats.add(s.stats());
        }
        return stats;
    }

    /** Closes every session (frees its tensors, deletes its files), then every engine; the first failure is thrown. */
    @Override
    public void close() {
        Closing.all(closingOrder(sessions, engines));
    }

    /** The sessions (each closes its engine), then the engines (a no-op for those). */
    private static List<AutoCloseable> closingOrder(List<TeraioSession> sessions, DeviceEngines engines) {
        List<AutoCloseable> all = new ArrayList<>(sessions);
        all.add(engines);
        return all;
    }
}
