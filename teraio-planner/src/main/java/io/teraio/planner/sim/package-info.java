/**
 * The simulator: a deterministic discrete-event simulation of the steady-state iteration under a
 * plan, predicting iteration time, stalls, peak device memory, bytes per tier and timelines
 * ({@link io.teraio.planner.sim.Simulator}, model in docs/simulator.md); the devices of a job
 * simulated together on shared SSDs and host memory ({@link io.teraio.planner.sim.JobSimulation}).
 */
package io.teraio.planner.sim;
