/**
 * The commands that move real bytes through the engine: {@code replay} (a plan run for real,
 * ops emulated), {@code probe} (a hardware profile measured), {@code bench-io} and
 * {@code bench-gds} (sequential throughput) and {@code doctor} (what teraio finds on this machine),
 * with their engine flags ({@code EngineOptions}).
 */
package io.teraio.cli.engine;
