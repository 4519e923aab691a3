/**
 * Executing a plan for real: {@link io.teraio.replay.TraceReplay} runs a trace's
 * steady-state iteration on the migration engine, each op emulated by its (scaled) duration,
 * with real tensor bytes offloaded and prefetched, and measures what the simulator predicts.
 */
package io.teraio.replay;
