/**
 * {@code teraio report}: one self-contained HTML page (inline SVG drawn by an inline script,
 * nothing loaded from elsewhere) showing a trace's iteration over time. {@link
 * io.teraio.cli.report.ReportData} downsamples the trace, plan and simulation into the page's
 * data; {@link io.teraio.cli.report.HtmlReport} writes the page.
 */
package io.teraio.cli.report;
