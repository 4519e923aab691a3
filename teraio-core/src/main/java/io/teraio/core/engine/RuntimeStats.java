package io.teraio.core.engine;

/**
 * What a {@link PlanRuntime} has done since it was made.
 *
 * @param issued      plan entries issued to the engine
 * @param skipped     plan entries that did not apply when their op came (tensor unknown, or
 *                    not RESIDENT for an offload, not OFFLOADED for a prefetch)
 * @param stallNs     nanoseconds the runtime made the stream wait: for prefetches due, for
 *                    tensors needed (misses included), for writes and for memory
 * @param stalledOps  ops before which the runtime waited at all
 * @param misses      tensors the engine had to fetch at once because no prefetch brought them
 *                    (the engine's count since this runtime was made)
 * @param divergences iterations whose ops left the profiled sequence (another name at an
 *                    index, or another count)
 */
public record RuntimeStats(long issued, long skipped, long stallNs, long stalledOps, long misses, long divergences) {
}
