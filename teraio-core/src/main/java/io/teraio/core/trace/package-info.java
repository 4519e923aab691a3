/**
 * The version-1 trace: what a profiled training job did, op by op, and which tensors each
 * op used, allocated and freed. {@link io.teraio.core.trace.Trace} is the in-memory model;
 * {@link io.teraio.core.trace.TraceReader} and {@link io.teraio.core.trace.TraceWriter}
 * stream it from and to JSON ({@code .json} or {@code .json.gz});
 * {@link io.teraio.core.trace.TraceValidator} checks its rules;
 * {@link io.teraio.core.trace.Recorder} builds one from a running job. The format is documented in
 * {@code docs/trace-format.md}.
 */
package io.teraio.core.trace;
