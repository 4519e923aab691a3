/**
 * The commands that plan and predict, moving no bytes: {@code plan}, {@code simulate},
 * {@code compare} (every policy side by side) and {@code report} (one HTML page, drawn by
 * {@link io.teraio.cli.report}). What they print alike: a plan's summary ({@code PlanSummary}),
 * a job's of several devices ({@code JobSummary}) and one policy's outcome ({@code PolicyOutcome}).
 */
package io.teraio.cli.plan;
