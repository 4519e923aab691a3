package io.teraio.torch;

/**
 * Told that backward reached a tensor: its gradient is complete and the backward node of the
 * op that made it ({@code grad_fn}) runs next. Called on the thread that runs that node (on
 * CPU, the thread that called backward); an exception thrown here makes backward fail with
 * it (DJL reports an {@code EngineException}).
 */
@FunctionalInterface
public interface BackwardListener {
    /** @param id the id given to {@link TorchBridge#registerHook} ("backward of op j starts") */
    void backwardStarts(long id);
}
