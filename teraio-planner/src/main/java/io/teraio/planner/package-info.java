/**
 * teraio planner: offload policies, the simulator and plan validation, all over a
 * {@link io.teraio.planner.Workload}, the steady-state iteration of a trace; and
 * {@link io.teraio.planner.TeraioPlanMaker}, the in-process planner of the embedding API's auto mode;
 * {@link io.teraio.planner.JobPlanner} plans the devices of a job, one trace each.
 */
package io.teraio.planner;
