/**
 * teraio planner: offload policies, the bandwidth model, the simulator and plan validation.
 * Empty until the planner lands; see {@code ARCHITECTURE.md}.
 */
package io.teraio.planner;
