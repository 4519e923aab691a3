package io.teraio.profiler.importer;

import io.teraio.core.trace.Trace;

/** The trace an import made, and its report. */
public record ImportResult(Trace trace, ImportReport report) {
}
