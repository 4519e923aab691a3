package io.teraio.core.trace;

import java.util.Arrays;
import java.util.Objects;

/**
 * One op (kernel) of a trace, in execution order.
 *
 * <p>An op is active on the tensors in {@code uses}; it creates the tensors in
 * {@code allocs} (live from this op on) and releases those in {@code frees} (live through
 * this op). The arrays hold tensor ids and must not be modified.
 *
 * @param index      global 0-based position in the trace
 * @param name       the op's name ({@code linear}, {@code aten::mm}, ...)
 * @param durationNs how long it ran, in nanoseconds (not negative)
 */
public record Op(int index, String name, long durationNs, int[] uses, int[] allocs, int[] frees) {
    private static final int[] NONE = new int[0];

    public Op {
        Objects.requireNonNull(name, "name");
        uses = uses == null ? NONE : uses;
        allocs = allocs == null ? NONE : allocs;
        frees = frees == null ? NONE : frees;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Op other
                && index == other.index
                && durationNs == other.durationNs
                && name.equals(other.name)
                && Arrays.equals(uses, other.uses)
                && Arrays.equals(allocs, other.allocs)
                && Arrays.equals(frees, other.frees);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(index, name, durationNs);
        h = 31 * h + Arrays.hashCode(uses);
        h = 31 * h + Arrays.hashCode(allocs);
        return 31 * h + Arrays.hashCode(frees);
    }

    @Override
    public String toString() {
        return "Op[" + index + " " + name + " " + durationNs + "ns uses=" + Arrays.toString(uses)
                + " allocs=" + Arrays.toString(allocs) + " frees=" + Arrays.toString(frees) + "]";
    }
}
