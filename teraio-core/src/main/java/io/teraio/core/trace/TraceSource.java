package io.teraio.core.trace;

/** Where a trace came from; every field may be {@code null}. */
public record TraceSource(String tool, String framework, String model, String device) {
    /** A source with nothing known. */
    public static final TraceSource UNKNOWN = new TraceSource(null, null, null, null);
}
