/**
 * teraio profiler: the {@link io.teraio.profiler.Recorder} that turns a running job into a
 * trace, and the {@link io.teraio.profiler.LifetimeAnalyzer} that learns every tensor's
 * active and inactive periods from one.
 */
package io.teraio.profiler;
