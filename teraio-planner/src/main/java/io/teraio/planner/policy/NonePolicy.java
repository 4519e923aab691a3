package io.teraio.planner.policy;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import java.util.List;

/**
 * Moves nothing. Simulated with the device's capacity it shows whether the job fits at all;
 * with unlimited memory it is the ideal the other policies are measured against. It never
 * fails, even when an op alone needs more than the device holds: that is for the
 * simulator to report.
 */
public final class NonePolicy implements Policy {
    public static final String NAME = "none";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PlanEntry> plan(Workload workload, HardwareProfile hardware) {
        return List.of();
    }
}
