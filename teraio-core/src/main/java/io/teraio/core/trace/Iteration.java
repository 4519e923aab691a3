package io.teraio.core.trace;

/**
 * One training iteration: the ops {@code [firstOp, firstOp + opCount)}. The iterations of a
 * trace tile its ops in order.
 */
public record Iteration(int index, int firstOp, int opCount) {
    /** One past the last op of this iteration. */
    public int endOp() {
        return firstOp + opCount;
    }
}
