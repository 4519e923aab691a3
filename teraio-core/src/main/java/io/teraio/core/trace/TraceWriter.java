package io.teraio.core.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.teraio.core.TeraioException;
import io.teraio.core.internal.json.JsonFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes traces in format version 1 (see {@code docs/trace-format.md}): the keys of the
 * format and no others, one iteration, tensor or op per line. It writes what it is given;
 * check a trace with {@link TraceValidator} first if it may break the rules.
 */
public final class TraceWriter {
    private static final Logger LOG = LoggerFactory.getLogger(TraceWriter.class);
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();
    private static final TraceLayout LAYOUT = new TraceLayout();

    private TraceWriter() {
    }

    /**
     * Writes {@code trace} to {@code file}, gzip compressed when the name ends in {@code .gz}.
     * The trace goes to a temporary file in the same directory first, which then replaces
     * {@code file}; a failure leaves no partial file behind.
     *
     * @throws TeraioException naming the file if it cannot be written
     */
    public static void write(Trace trace, Path file) {
        Objects.requireNonNull(trace, "trace");
        long startNs = System.nanoTime();
        JsonFiles.writeAtomically(file, out -> writeJson(trace, out));
        LOG.debug("wrote {}: {} ops, {} tensors in {} ms", file, trace.ops().size(), trace.tensors().size(),
                (System.nanoTime() - startNs) / 1_000_000);
    }

    /**
     * Writes {@code trace} to {@code out} as plain JSON and flushes it. Does not close {@code out}.
     *
     * @throws TeraioException if writing to the stream fails
     */
    public static void write(Trace trace, OutputStream out) {
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(out, "out");
        try {
            writeJson(trace, out);
        } catch (IOException e) {
            throw new TeraioException("cannot write trace: " + JsonFiles.reason(e), e);
        }
    }

    private static void writeJson(Trace trace, OutputStream out) throws IOException {
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.setPrettyPrinter(LAYOUT);
            json.writeStartObject();
            json.writeStringField("format", Trace.FORMAT);
            json.writeNumberField("version", Trace.VERSION);
            writeSource(json, trace.source());
            json.writeArrayFieldStart("iterations");
            for (Iteration iteration : trace.iterations()) {
                json.writeStartObject();
                json.writeNumberField("index", iteration.index());
                json.writeNumberField("firstOp", iteration.firstOp());
                json.writeNumberField("opCount", iteration.opCount());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("tensors");
            for (Tensor tensor : trace.tensors()) {
                json.writeStartObject();
                json.writeNumberField("id", tensor.id());
                json.writeStringField("key", tensor.key());
                json.writeNumberField("bytes", tensor.bytes());
                json.writeStringField("kind", tensor.kind().jsonName());
                json.writeBooleanField("persistent", tensor.persistent());
                json.writeBooleanField("offloadable", tensor.offloadable());
                json.writeNumberField("device", tensor.device());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("ops");
            for (Op op : trace.ops()) {
                json.writeStartObject();
                json.writeNumberField("index", op.index());
                json.writeStringField("name", op.name());
                json.writeNumberField("durationNs", op.durationNs());
                writeIds(json, "uses", op.uses());
                writeIds(json, "allocs", op.allocs());
                writeIds(json, "frees", op.frees());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        }
    }

    private static void writeSource(JsonGenerator json, TraceSource source) throws IOException {
        json.writeObjectFieldStart("source");
        writeIfKnown(json, "tool", source.tool());
        writeIfKnown(json, "framework", source.framework());
        writeIfKnown(json, "model", source.model());
        writeIfKnown(json, "device", source.device());
        json.writeEndObject();
    }

    private static void writeIfKnown(JsonGenerator json, String key, String value) throws IOException {
        if (value != null) {
            json.writeStringField(key, value);
        }
    }

    private static void writeIds(JsonGenerator json, String key, int[] ids) throws IOException {
        json.writeFieldName(key);
        json.writeArray(ids, 0, ids.length);
    }
}
