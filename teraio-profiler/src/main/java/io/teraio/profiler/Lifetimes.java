package io.teraio.profiler;

import io.teraio.core.lifetime.LifetimeModel;
import io.teraio.core.trace.Trace;
import java.util.List;
import java.util.Objects;

/**
 * The result of {@link LifetimeAnalyzer#analyze}: every tensor's lifetime, the bytes live
 * and active at every op, and the summary, read from the trace's {@link LifetimeModel}.
 */
public final class Lifetimes {
    private final LifetimeModel model;
    private final List<TensorLifetime> tensors;
    private final LifetimeSummary summary;

    Lifetimes(LifetimeModel model, List<TensorLifetime> tensors, LifetimeSummary summary) {
        this.model = model;
        this.tensors = List.copyOf(tensors);
        this.summary = summary;
    }

    /** The trace analyzed. */
    public Trace trace() {
        return model.trace();
    }

    /** The lifetime model of the whole trace the analysis reads. */
    public LifetimeModel model() {
        return model;
    }

    /** One lifetime per tensor, in the order of {@link Trace#tensors()}. */
    public List<TensorLifetime> tensors() {
        return tensors;
    }

    /** The sum of the bytes of the tensors live at {@code op}. */
    public long liveBytes(int op) {
        return model.liveBytes(Objects.checkIndex(op, model.opCount()));
    }

    /** The sum of the bytes of the tensors active at {@code op} (used or allocated by it). */
    public long activeBytes(int op) {
        return model.activeBytes(Objects.checkIndex(op, model.opCount()));
    }

    /** The summary figures. */
    public LifetimeSummary summary() {
        return summary;
    }
}
