/**
 * teraio profiler: the {@link io.teraio.profiler.Recorder} that turns a running job into a
 * trace, the {@link io.teraio.profiler.LifetimeAnalyzer} that learns every tensor's
 * active and inactive periods from one, and the {@link io.teraio.profiler.SyntheticWorkload}
 * that generates realistic training traces for demos, tests and benchmarks.
 */
package io.teraio.profiler;
