/**
 * Offload plans ({@code plan.json}): which tensor moves where, issued at which op, due by which;
 * one device's ({@link io.teraio.core.plan.Plan}, version 1) or a job's, one per device
 * ({@link io.teraio.core.plan.JobPlan}, version 2).
 */
package io.teraio.core.plan;
