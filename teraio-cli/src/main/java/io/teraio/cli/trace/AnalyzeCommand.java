package io.teraio.cli.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.teraio.cli.SummaryRows;
import io.teraio.core.Units;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.core.trace.TraceSource;
import io.teraio.profiler.IdleHistogram;
import io.teraio.profiler.LifetimeAnalyzer;
import io.teraio.profiler.LifetimeSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code teraio analyze TRACE [--json]}: what a trace says about tensor lifetimes. */
@Command(name = "analyze",
        description = {"Summarize a trace: tensors, ops, iterations, peak live bytes, how small the",
                "active fraction of memory is, and how long tensors sit idle."})
public final class AnalyzeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TRACE", description = "A teraio trace (.json or .json.gz).")
    Path trace;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Trace loaded = TraceReader.read(trace);
        LifetimeSummary summary = LifetimeAnalyzer.analyze(loaded).summary();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, trace.toString(), loaded, summary);
        } else {
            printTable(out, trace.toString(), loaded, summary);
        }
        out.flush();
        return 0;
    }

    static void printTable(PrintWriter out, String name, Trace trace, LifetimeSummary s) {
        out.printf(Locale.ROOT, "%s: %s%n", name, describe(trace.source()));
        SummaryRows.print(out, "tensors", String.format(Locale.ROOT, "%,d (%s in all)", s.tensorCount(), Units.formatBytes(s.totalBytes())));
        SummaryRows.print(out, "ops", String.format(Locale.ROOT, "%,d in %,d iteration%s, %s of compute",
                s.opCount(), s.iterationCount(), s.iterationCount() == 1 ? "" : "s", Units.formatNanos(s.totalDurationNs())));
        SummaryRows.print(out, "peak live bytes", String.format(Locale.ROOT, "%s at op %d (%s)",
                Units.formatBytes(s.peakLiveBytes()), s.peakLiveOp(), trace.ops().get(s.peakLiveOp()).name()));
        SummaryRows.print(out, "active fraction", String.format(Locale.ROOT, "mean %s (time-weighted), max %s",
                percent(s.meanActiveFraction()), percent(s.maxActiveFraction())));
        SummaryRows.print(out, "idle > 1 ms", Units.formatBytes(s.idleBytesOver1ms()));
        SummaryRows.print(out, "idle > 10 ms", Units.formatBytes(s.idleBytesOver10ms()));
        SummaryRows.print(out, "idle > 100 ms", Units.formatBytes(s.idleBytesOver100ms()));
        out.println("inactive periods by length:");
        out.printf(Locale.ROOT, "  %-22s %10s %14s%n", "length", "periods", "bytes");
        IdleHistogram h = s.idleHistogram();
        for (int i = 0; i < h.periodCounts().length; i++) {
            out.printf(Locale.ROOT, "  %-22s %,10d %14s%n", bucketLabel(h, i), h.periodCounts()[i], Units.formatBytes(h.periodBytes()[i]));
        }
    }

    private static String bucketLabel(IdleHistogram h, int i) {
        long[] bounds = h.upperBoundsNs();
        if (i == bounds.length) {
            return ">= " + Units.formatNanos(bounds[bounds.length - 1]);
        }
        return (i == 0 ? "0" : Units.formatNanos(bounds[i - 1])) + " - " + Units.formatNanos(bounds[i]);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    private static String describe(TraceSource source) {
        StringBuilder sb = new StringBuilder();
        sb.append(source.model() == null ? "unnamed model" : source.model());
        StringBuilder from = new StringBuilder();
        for (String part : new String[] {source.tool(), source.framework(), source.device()}) {
            if (part != null) {
                from.append(from.length() == 0 ? "" : ", ").append(part);
            }
        }
        if (from.length() > 0) {
            sb.append(" (").append(from).append(')');
        }
        return sb.toString();
    }

    static void printJson(PrintWriter out, String name, Trace trace, LifetimeSummary s) {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("trace", name);
            g.writeStringField("model", trace.source().model());
            g.writeNumberField("tensorCount", s.tensorCount());
            g.writeNumberField("opCount", s.opCount());
            g.writeNumberField("iterationCount", s.iterationCount());
            g.writeNumberField("totalBytes", s.totalBytes());
            g.writeNumberField("totalDurationNs", s.totalDurationNs());
            g.writeNumberField("peakLiveBytes", s.peakLiveBytes());
            g.writeNumberField("peakLiveOp", s.peakLiveOp());
            g.writeNumberField("meanActiveFraction", s.meanActiveFraction());
            g.writeNumberField("maxActiveFraction", s.maxActiveFraction());
            g.writeNumberField("idleBytesOver1ms", s.idleBytesOver1ms());
            g.writeNumberField("idleBytesOver10ms", s.idleBytesOver10ms());
            g.writeNumberField("idleBytesOver100ms", s.idleBytesOver100ms());
            g.writeArrayFieldStart("idleHistogram");
            IdleHistogram h = s.idleHistogram();
            for (int i = 0; i < h.periodCounts().length; i++) {
                g.writeStartObject();
                if (i < h.upperBoundsNs().length) {
                    g.writeNumberField("lessThanNs", h.upperBoundsNs()[i]);
                } else {
                    g.writeNullField("lessThanNs");
                }
                g.writeNumberField("periods", h.periodCounts()[i]);
                g.writeNumberField("bytes", h.periodBytes()[i]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the analysis: " + e.getMessage(), e);
        }
        out.println();
    }
}
