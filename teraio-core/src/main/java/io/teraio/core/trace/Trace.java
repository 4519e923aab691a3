package io.teraio.core.trace;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A whole trace: where it came from, its iterations, tensors and ops.
 *
 * <p>Construction copies the lists and indexes tensors by id but checks no rules; a trace
 * from {@link TraceReader} or the profiler's recorder has passed {@link TraceValidator}.
 */
public final class Trace {
    /** The value of the {@code format} key. */
    public static final String FORMAT = "teraio-trace";
    /** The format version this code reads and writes. */
    public static final int VERSION = 1;

    private final TraceSource source;
    private final List<Iteration> iterations;
    private final List<Tensor> tensors;
    private final List<Op> ops;
    /** Tensor id to position in {@link #tensors}; the first one wins on duplicates. */
    private final Map<Integer, Integer> slotById;

    public Trace(TraceSource source, List<Iteration> iterations, List<Tensor> tensors, List<Op> ops) {
        this.source = source == null ? TraceSource.UNKNOWN : source;
        this.iterations = List.copyOf(iterations);
        this.tensors = List.copyOf(tensors);
        this.ops = List.copyOf(ops);
        this.slotById = new HashMap<>(tensors.size() * 2);
        for (int i = 0; i < this.tensors.size(); i++) {
            slotById.putIfAbsent(this.tensors.get(i).id(), i);
        }
    }

    public TraceSource source() {
        return source;
    }

    public List<Iteration> iterations() {
        return iterations;
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    public List<Op> ops() {
        return ops;
    }

    /** The position of tensor {@code id} in {@link #tensors()}, or -1 if there is none. */
    public int slotOf(int id) {
        Integer slot = slotById.get(id);
        return slot == null ? -1 : slot;
    }

    /** The tensor with this id. */
    public Tensor tensor(int id) {
        int slot = slotOf(id);
        if (slot < 0) {
            throw new IllegalArgumentException("no tensor with id " + id);
        }
        return tensors.get(slot);
    }

    /** The sum of all op durations. */
    public long totalDurationNs() {
        long total = 0;
        for (Op op : ops) {
            total += op.durationNs();
        }
        return total;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Trace other
                && source.equals(other.source)
                && iterations.equals(other.iterations)
                && tensors.equals(other.tensors)
                && ops.equals(other.ops);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, iterations, tensors, ops);
    }

    @Override
    public String toString() {
        return "Trace[" + tensors.size() + " tensors, " + ops.size() + " ops, "
                + iterations.size() + " iterations, source=" + source + "]";
    }
}
