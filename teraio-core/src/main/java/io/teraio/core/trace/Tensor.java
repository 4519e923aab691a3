package io.teraio.core.trace;

import java.util.Objects;

/**
 * One tensor of a trace.
 *
 * @param id          the id ops refer to it by (unique in the trace, not negative)
 * @param key         its identity across iterations: a stable name for persistent tensors,
 *                    the allocation site ({@code op12.out0}) for transient ones
 * @param bytes       its size (positive)
 * @param kind        what it holds
 * @param persistent  live for the whole trace (parameters, optimizer state, ...)
 * @param offloadable whether its memory is really released when it is offloaded
 * @param device      the device it lives on
 */
public record Tensor(int id, String key, long bytes, TensorKind kind, boolean persistent,
                     boolean offloadable, int device) {
    public Tensor {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
    }
}
