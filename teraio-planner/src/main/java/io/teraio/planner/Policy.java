package io.teraio.planner;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanEntry;
import java.util.List;

/**
 * An offload policy: which tensors to move where during the steady-state iteration, and
 * when. Policies only decide; the {@code Simulator} predicts what a decision costs.
 */
public interface Policy {
    /** The name users pick it by ({@code --policy}). */
    String name();

    /**
     * The plan entries for {@code workload} on device 0 of {@code hardware}, in issue order.
     * An empty list means nothing moves.
     */
    List<PlanEntry> plan(Workload workload, HardwareProfile hardware);
}
