/**
 * Storage measured through the engine: {@link io.teraio.probe.IoBench}, sequential throughput
 * as {@code fio} measures it ({@code teraio bench-io}, {@code bench-gds}, {@code doctor}), and
 * {@link io.teraio.probe.EngineProbe}, the figures {@code teraio probe} writes into a hardware
 * profile, which the benchmarks' {@code EngineModelCheck} takes of storage of known speed.
 */
package io.teraio.probe;
