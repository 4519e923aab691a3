package io.teraio.core.plan;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.trace.Trace;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Makes a plan in process, from a trace just recorded: the SPI the embedding API's
 * {@code auto} mode plans through, so that core does not depend on the planner. The planner
 * module implements it (the {@code teraio} policy, validated and simulated) and lists it in
 * {@code META-INF/services/io.teraio.core.plan.PlanMaker}; {@link #load()} finds it.
 */
public interface PlanMaker {
    /** The policy it plans with, as in a plan's {@code policy}. */
    String name();

    /**
     * A plan for the last iteration of {@code trace} on device 0 of {@code hardware}, checked
     * against the trace and simulated.
     *
     * @throws TeraioException when no valid plan fits the device (naming the op that cannot
     *                         run, or what the plan breaks)
     */
    MadePlan make(Trace trace, HardwareProfile hardware);

    /**
     * Plans for the devices of a job together: device {@code d} runs the last iteration of
     * {@code traces.get(d)} on device {@code d} of {@code hardware}, and the plans account for
     * the SSDs and the host memory the devices share (as {@code teraio plan} does with one trace
     * per device). Each plan names the profile's SSD ids and carries its device's prediction
     * from the devices simulated together.
     *
     * @return each device's plan, by device id
     * @throws TeraioException when the counts differ, or no valid plans run together (naming the
     *                         device)
     */
    List<MadePlan> makeJob(List<Trace> traces, HardwareProfile hardware);

    /**
     * A plan with what the simulator predicts for it.
     *
     * @param plan                       the plan, with its {@link Plan#predicted() prediction}
     * @param predictedPeakBytes         the simulator's peak resident bytes under the plan
     * @param predictedUnconstrainedBytes the simulator's peak resident bytes with nothing moved
     */
    record MadePlan(Plan plan, long predictedPeakBytes, long predictedUnconstrainedBytes) {
        public MadePlan {
            Objects.requireNonNull(plan, "plan");
        }
    }

    /**
     * The first implementation on the class path.
     *
     * @throws TeraioException when there is none (the planner jar is missing)
     */
    static PlanMaker load() {
        Iterator<PlanMaker> found = ServiceLoader.load(PlanMaker.class, PlanMaker.class.getClassLoader()).iterator();
        if (!found.hasNext()) {
            throw new TeraioException("planning in process: no PlanMaker on the class path (put teraio-planner"
                    + " on the class path, or profile and pass a plan made by 'teraio plan')");
        }
        return found.next();
    }
}
