package io.teraio.core.engine;

import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The op sequence a plan was made for, which a {@link PlanRuntime} checks the live ops
 * against: the number of ops in one iteration, their names (null: the count alone is
 * checked) and the bytes each op allocates (null: not known; then the runtime's memory rule
 * is asked about prefetches alone).
 *
 * @param count      ops in one iteration
 * @param names      the name of each op, or null
 * @param allocBytes the bytes each op allocates, or null
 */
public record ProfiledOps(int count, List<String> names, long[] allocBytes) {
    public ProfiledOps {
        if (count < 1) {
            throw new IllegalArgumentException("profiled ops: the count must be positive, got " + count);
        }
        if (names != null) {
            names = List.copyOf(names);
            if (names.size() != count) {
                throw new IllegalArgumentException("profiled ops: " + names.size() + " names for " + count + " ops");
            }
        }
        if (allocBytes != null && allocBytes.length != count) {
            throw new IllegalArgumentException("profiled ops: " + allocBytes.length + " allocation sizes for " + count
                    + " ops");
        }
    }

    /** Only the number of ops is known. */
    public static ProfiledOps count(int count) {
        return new ProfiledOps(count, null, null);
    }

    /** The last iteration of {@code trace} (the one a plan is made for): its op names and allocated bytes. */
    public static ProfiledOps of(Trace trace) {
        List<Iteration> iterations = trace.iterations();
        Iteration last = iterations.get(iterations.size() - 1);
        List<String> names = new ArrayList<>(last.opCount());
        long[] allocBytes = new long[last.opCount()];
        for (int k = 0; k < last.opCount(); k++) {
            Op op = trace.ops().get(last.firstOp() + k);
            names.add(op.name());
            for (int id : op.allocs()) {
                allocBytes[k] += trace.tensor(id).bytes();
            }
        }
        return new ProfiledOps(last.opCount(), names, allocBytes);
    }

    /** The bytes op {@code op} allocates, 0 when not known. */
    public long allocBytes(int op) {
        return allocBytes == null ? 0 : allocBytes[op];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProfiledOps p && count == p.count && Objects.equals(names, p.names)
                && Arrays.equals(allocBytes, p.allocBytes);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * count + Objects.hashCode(names)) + Arrays.hashCode(allocBytes);
    }
}
