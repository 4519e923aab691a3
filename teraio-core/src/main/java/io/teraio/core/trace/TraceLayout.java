package io.teraio.core.trace;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.PrettyPrinter;
import java.io.IOException;

/**
 * The layout {@link TraceWriter} gives a trace: each top-level key on its own line and each
 * iteration, tensor and op on its own line, so a trace file reads (and diffs) line by line
 * and an error's line number points at one op.
 */
final class TraceLayout implements PrettyPrinter {
    /** A new line followed by the indent of nesting depth 0, 1 and 2. */
    private static final String[] NEW_LINE = {"\n", "\n  ", "\n    "};

    /** Whether the container being written puts its entries on lines of their own. */
    private static boolean oneEntryPerLine(JsonGenerator json) {
        JsonStreamContext context = json.getOutputContext();
        int depth = context.getNestingDepth();
        return depth == 1 || (depth == 2 && context.inArray());
    }

    private static void separate(JsonGenerator json) throws IOException {
        json.writeRaw(oneEntryPerLine(json) ? NEW_LINE[json.getOutputContext().getNestingDepth()] : " ");
    }

    private static void close(JsonGenerator json, int entries, char bracket) throws IOException {
        if (entries > 0 && oneEntryPerLine(json)) {
            json.writeRaw(NEW_LINE[json.getOutputContext().getNestingDepth() - 1]);
        }
        json.writeRaw(bracket);
    }

    @Override
    public void writeRootValueSeparator(JsonGenerator json) {
    }

    @Override
    public void writeStartObject(JsonGenerator json) throws IOException {
        json.writeRaw('{');
    }

    @Override
    public void beforeObjectEntries(JsonGenerator json) throws IOException {
        if (oneEntryPerLine(json)) {
            separate(json);
        }
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator json) throws IOException {
        json.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator json) throws IOException {
        json.writeRaw(',');
        separate(json);
    }

    @Override
    public void writeEndObject(JsonGenerator json, int entries) throws IOException {
        close(json, entries, '}');
    }

    @Override
    public void writeStartArray(JsonGenerator json) throws IOException {
        json.writeRaw('[');
    }

    @Override
    public void beforeArrayValues(JsonGenerator json) throws IOException {
        if (oneEntryPerLine(json)) {
            separate(json);
        }
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator json) throws IOException {
        json.writeRaw(',');
        separate(json);
    }

    @Override
    public void writeEndArray(JsonGenerator json, int entries) throws IOException {
        close(json, entries, ']');
    }
}
