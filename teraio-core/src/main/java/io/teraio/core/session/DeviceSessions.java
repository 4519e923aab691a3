package io.teraio.core.session;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.DeviceEngines;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.internal.Closing;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.trace.Trace;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link TeraioSession} per device of a machine, for a trainer that trains on several devices
 * (data-parallel replicas, pipeline stages): session N runs over engine N of a
 * {@link DeviceEngines} (device N's memory, {@code device=N}, every SSD that serves device N)
 * and records device N's ops. In {@code auto} mode the devices plan together, as
 * {@code teraio plan} does with one trace per device: when the last device's profiling ends,
 * its session plans the job (the SSDs and host memory the devices share accounted for), and
 * each session applies its plan from the start of its next iteration. {@link #offload} applies
 * a job plan made by {@code teraio plan}. The trainer drives each session as it would one (from
 * one thread, or a thread per device). An idempotent {@link AutoCloseable} that closes every
 * session and engine.
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
     * over each, run as {@code options} say; the configuration's {@code deviceMemory} is each
     * device's. In {@code auto} mode the devices are planned together for {@code hardware} (the
     * options' hardware is not used), each session's plan applied from the start of its next
     * iteration once the last device's profiling has ended.
     *
     * @throws IllegalArgumentException for {@link SessionMode#OFFLOAD}: a job plan is applied
     *         with {@link #offload}
     * @throws io.teraio.core.TeraioException when an engine cannot be opened (those opened are closed)
     */
    public static DeviceSessions open(TeraioConfig base, HardwareProfile hardware, SessionOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.mode() == SessionMode.OFFLOAD) {
            throw new IllegalArgumentException("device sessions: offload mode applies a job plan; use"
                    + " DeviceSessions.offload, or auto, profile or off here");
        }
        DeviceEngines engines = DeviceEngines.open(base, hardware);
        JobPlanning job = options.mode() == SessionMode.AUTO ? new JobPlanning(engines, hardware) : null;
        List<TeraioSession> sessions = new ArrayList<>();
        try {
            for (int d = 0; d < engines.size(); d++) {
                TeraioSession session = TeraioSession.over(engines.engine(d), engines.config(d), options);
                sessions.add(session);
                if (job != null) {
                    session.planWith(job, d);
                }
            }
        } catch (RuntimeException e) {
            throw Closing.after(e, closingOrder(sessions, engines));
        }
        return new DeviceSessions(engines, sessions);
    }

    /**
     * Opens a session per device of a job plan, each in offload mode from its first iteration:
     * engine N over every SSD that serves device N ({@link DeviceEngines#open}, with the
     * directories {@code hardware} gives its SSDs), applying device N's plan renumbered to its
     * engine's SSDs ({@link DeviceEngines#enginePlan}); the configuration's {@code deviceMemory}
     * is each device's.
     *
     * @param hardware the machine: the job's devices and SSDs (same count, same mapping to
     *                 devices), with a directory for every SSD
     * @param profiles each device's trace its plan was made from, whose last iteration's op names
     *                 are checked as the session runs; {@code null} to check op counts only
     * @throws TeraioException when the hardware is not the job's, a profile is not its device's
     *                         plan's, or an engine cannot be opened (those opened are closed)
     */
    public static DeviceSessions offload(TeraioConfig base, HardwareProfile hardware, JobPlan job,
                                         List<Trace> profiles) {
        Objects.requireNonNull(job, "job");
        String mismatch = mismatch(hardware, job.hardware());
        if (mismatch != null) {
            throw new TeraioException("device sessions: the job plan was made for other hardware: " + mismatch);
        }
        int devices = hardware.devices().size();
        if (job.devices().size() != devices || profiles != null && profiles.size() != devices) {
            throw new TeraioException("device sessions: " + devices + " devices, a job plan of " + job.devices().size()
                    + (profiles == null ? "" : " and " + profiles.size() + " profiles") + " (one per device)");
        }
        DeviceEngines engines = DeviceEngines.open(base, hardware);
        List<TeraioSession> sessions = new ArrayList<>();
        try {
            for (int d = 0; d < devices; d++) {
                SessionOptions options = SessionOptions.offload(engines.enginePlan(d, job.devices().get(d)),
                        profiles == null ? null : profiles.get(d));
                sessions.add(TeraioSession.over(engines.engine(d), engines.config(d), options));
            }
        } catch (RuntimeException e) {
            throw Closing.after(e, closingOrder(sessions, engines));
        }
        return new DeviceSessions(engines, sessions);
    }

    /** How {@code machine} differs from the job's hardware in devices or SSD mapping, or null. */
    private static String mismatch(HardwareProfile machine, HardwareProfile job) {
        if (machine.devices().size() != job.devices().size() || machine.ssds().size() != job.ssds().size()) {
            return "it has " + job.devices().size() + " devices and " + job.ssds().size() + " SSDs, the machine "
                    + machine.devices().size() + " and " + machine.ssds().size();
        }
        for (int i = 0; i < job.ssds().size(); i++) {
            Ssd planned = job.ssds().get(i);
            Ssd here = machine.ssds().get(i);
            if (planned.device() != here.device()) {
                return "ssd " + i + " serves " + serves(planned) + " in the plan, " + serves(here) + " here";
            }
        }
        return null;
    }

    private static String serves(Ssd ssd) {
        return ssd.device() < 0 ? "any device" : "device " + ssd.device();
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
