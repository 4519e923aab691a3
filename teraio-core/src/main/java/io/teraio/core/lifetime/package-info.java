/**
 * The one lifetime model: when each tensor of a trace is live, the ops that use it, and the
 * periods it sits idle, including the one that runs across the iteration boundary
 * ({@link io.teraio.core.lifetime.LifetimeModel}, computed once from a trace). The profiler's
 * analysis ({@code teraio analyze}) and the planner's workload (planning, simulation, the
 * report) read it; the rules are in {@code docs/lifetimes.md}.
 */
package io.teraio.core.lifetime;
