/**
 * The simulator: a deterministic discrete-event replay of the steady-state iteration under a
 * plan, predicting iteration time, stalls, peak device memory, bytes per tier and timelines
 * ({@link io.teraio.planner.sim.Simulator}, model in docs/simulator.md).
 */
package io.teraio.planner.sim;
