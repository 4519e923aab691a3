package io.teraio.core.engine;

/**
 * What a {@link PlanExecutor} has done since it was made.
 *
 * @param issued     plan entries issued to the engine
 * @param skipped    plan entries that did not apply when their op came (tensor unknown, or
 *                   not RESIDENT for an offload, not OFFLOADED for a prefetch)
 * @param stallNs    nanoseconds {@link PlanExecutor#beforeOp} waited for prefetches and tensors
 * @param stalledOps ops whose {@link PlanExecutor#beforeOp} waited at all
 * @param misses     tensors the engine had to fetch at once because no prefetch brought them
 *                   (the engine's count since this executor was made)
 */
public record ExecutorStats(long issued, long skipped, long stallNs, long stalledOps, long misses) {
}
