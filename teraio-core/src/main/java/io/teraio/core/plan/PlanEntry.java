package io.teraio.core.plan;

import java.util.Objects;

/**
 * One migration of a plan. Op indices are positions within one steady-state iteration.
 *
 * @param tensor     the tensor's id in the trace
 * @param key        the tensor's key (its identity across iterations)
 * @param action     offload or prefetch
 * @param target     SSD or host memory
 * @param ssd        the SSD's id for {@link PlanTarget#SSD}, -1 for host
 * @param issueAtOp  the op at whose start the migration is issued
 * @param deadlineOp the op that must not start before the migration completes (for an
 *                   offload: the op whose allocations need the memory; for a prefetch: the
 *                   tensor's next use). It may be smaller than {@code issueAtOp} when the
 *                   migration wraps into the next iteration
 * @param urgent     served before non-urgent migrations on the same channel
 */
public record PlanEntry(int tensor, String key, PlanAction action, PlanTarget target, int ssd, int issueAtOp,
                        int deadlineOp, boolean urgent) {
    public PlanEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
    }
}
