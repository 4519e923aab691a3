package io.teraio.profiler;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * When one tensor is live, when it is used and when it sits idle. The rules are those of
 * {@link LifetimeAnalyzer}.
 *
 * @param tensorId        the tensor's id
 * @param liveFromOp      the first op at which it is live
 * @param liveToOp        the last op at which it is live (inclusive)
 * @param activeOps       the ops at which it is active, ascending, each once; must not be modified
 * @param inactivePeriods its idle runs of live ops, in op order (a wrapping one last)
 */
public record TensorLifetime(int tensorId, int liveFromOp, int liveToOp, int[] activeOps,
                             List<InactivePeriod> inactivePeriods) {
    public TensorLifetime {
        Objects.requireNonNull(activeOps, "activeOps");
        inactivePeriods = List.copyOf(inactivePeriods);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorLifetime other
                && tensorId == other.tensorId
                && liveFromOp == other.liveFromOp
                && liveToOp == other.liveToOp
                && Arrays.equals(activeOps, other.activeOps)
                && inactivePeriods.equals(other.inactivePeriods);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(tensorId, liveFromOp, liveToOp, inactivePeriods);
        return 31 * h + Arrays.hashCode(activeOps);
    }

    @Override
    public String toString() {
        return "TensorLifetime[" + tensorId + " live " + liveFromOp + ".." + liveToOp + " active="
                + Arrays.toString(activeOps) + " inactive=" + inactivePeriods + "]";
    }
}
