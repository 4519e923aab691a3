package io.teraio.core.session;

import io.teraio.core.TeraioException;
import io.teraio.core.engine.DeviceEngines;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.trace.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The devices of {@link DeviceSessions} in {@code auto} mode planning together: each device's
 * session offers its trace when its profiling ends; the offer that completes the set plans the
 * job ({@link PlanMaker#makeJob}: shared SSDs and host memory accounted for) on that session's
 * thread, and each session takes its plan, renumbered to its engine's SSDs, at the start of its
 * next iteration. Thread-safe: sessions may run on threads of their own.
 */
final class JobPlanning {
    private final DeviceEngines engines;
    private final HardwareProfile hardware;
    private final Trace[] traces;
    private volatile List<PlanMaker.MadePlan> plans;

    JobPlanning(DeviceEngines engines, HardwareProfile hardware) {
        this.engines = engines;
        this.hardware = hardware;
        this.traces = new Trace[hardware.devices().size()];
    }

    /**
     * Device {@code device}'s trace; plans the job when every device has offered one.
     *
     * @throws TeraioException when the job cannot be planned (no planner, or no valid plans)
     */
    synchronized void offer(int device, Trace trace) {
        traces[device] = trace;
        if (Arrays.asList(traces).contains(null)) {
            return;
        }
        List<PlanMaker.MadePlan> made = PlanMaker.load().makeJob(List.of(traces), hardware);
        List<PlanMaker.MadePlan> renumbered = new ArrayList<>(made.size());
        for (int d = 0; d < made.size(); d++) {
            PlanMaker.MadePlan m = made.get(d);
            renumbered.add(new PlanMaker.MadePlan(engines.enginePlan(d, m.plan()), m.predictedPeakBytes(),
                    m.predictedUnconstrainedBytes()));
        }
        plans = List.copyOf(renumbered);
    }

    /** Device {@code device}'s plan, renumbered to its engine's SSDs, once the job is planned; else null. */
    PlanMaker.MadePlan planFor(int device) {
        List<PlanMaker.MadePlan> p = plans;
        return p == null ? null : p.get(device);
    }

    /** The name of the policy the job is planned with. */
    static String policy() {
        return PlanMaker.load().name();
    }
}
