/**
 * teraio planner: offload policies, the simulator and plan validation, all over a
 * {@link io.teraio.planner.Workload}, the steady-state iteration of a trace.
 */
package io.teraio.planner;
