package io.teraio.planner.sim;

import java.util.Objects;

/**
 * One op of the simulated iteration that could not start when the op before it finished.
 *
 * @param op      its index within the iteration
 * @param name    its name
 * @param stallNs how long it waited
 * @param cause   what it waited for longest: {@link Simulator#WAITING_FOR_PREFETCH} or
 *                {@link Simulator#WAITING_FOR_MEMORY}
 */
public record OpStall(int op, String name, long stallNs, String cause) {
    public OpStall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cause, "cause");
    }
}
