package io.teraio.core.session;

import io.teraio.core.Units;
import io.teraio.core.trace.TensorKind;

/**
 * A tensor of a {@link TeraioSession}: what the trainer holds instead of a device buffer,
 * because the buffer changes when the tensor is offloaded and brought back. Get the buffer
 * with {@link TeraioSession#acquire} in the op that uses it, and do not keep it past that op.
 */
public final class TensorHandle {
    final TeraioSession session;
    private final String key;
    private final long bytes;
    private final TensorKind kind;
    private final boolean persistent;
    private final boolean offloadable;
    /** Its id in the session's recorder, or -1 while it has none. */
    int traceId = -1;
    /** The session's use clock when it was last used: eviction takes the least recently used first. */
    long lastUse;
    boolean freed;

    TensorHandle(TeraioSession session, String key, long bytes, TensorKind kind, boolean persistent,
                 boolean offloadable) {
        this.session = session;
        this.key = key;
        this.bytes = bytes;
        this.kind = kind;
        this.persistent = persistent;
        this.offloadable = offloadable;
    }

    /**
     * Its identity across iterations: the trainer's key for a persistent tensor, the
     * allocation site {@code op<k>.out<slot>} (op {@code k} of the iteration, its
     * {@code slot}-th allocation) for one an op allocated.
     */
    public String key() {
        return key;
    }

    public long bytes() {
        return bytes;
    }

    public TensorKind kind() {
        return kind;
    }

    /** Registered by the trainer and alive across iterations, rather than allocated by an op. */
    public boolean persistent() {
        return persistent;
    }

    /** Whether the session may move it out of device memory. */
    public boolean offloadable() {
        return offloadable;
    }

    /** Whether it was freed (by the trainer, by the end of its iteration, or by closing the session). */
    public boolean isFreed() {
        return freed || session.isClosed();
    }

    @Override
    public String toString() {
        return "tensor '" + key + "' (" + Units.formatBytes(bytes) + ", " + kind.jsonName() + ")";
    }
}
