package io.teraio.profiler;

import io.teraio.core.trace.Trace;
import java.util.List;
import java.util.Objects;

/**
 * The result of {@link LifetimeAnalyzer#analyze}: every tensor's lifetime, the bytes live
 * and active at every op, and the summary.
 */
public final class Lifetimes {
    private final Trace trace;
    private final List<TensorLifetime> tensors;
    private final long[] liveBytes;
    private final long[] activeBytes;
    private final LifetimeSummary summary;

    Lifetimes(Trace trace, List<TensorLifetime> tensors, long[] liveBytes, long[] activeBytes,
              LifetimeSummary summary) {
        this.trace = trace;
        this.tensors = List.copyOf(tensors);
        this.liveBytes = liveBytes;
        this.activeBytes = activeBytes;
        this.summary = summary;
    }

    /** The trace analyzed. */
    public Trace trace() {
        return trace;
    }

    /** One lifetime per tensor, in the order of {@link Trace#tensors()}. */
    public List<TensorLifetime> tensors() {
        return tensors;
    }

    /** The sum of the bytes of the tensors live at {@code op}. */
    public long liveBytes(int op) {
        return liveBytes[Objects.checkIndex(op, liveBytes.length)];
    }

    /** The sum of the bytes of the tensors active at {@code op} (used or allocated by it). */
    public long activeBytes(int op) {
        return activeBytes[Objects.checkIndex(op, activeBytes.length)];
    }

    /** The summary figures. */
    public LifetimeSummary summary() {
        return summary;
    }
}
