package io.teraio.core.trace;

import static io.teraio.core.trace.TraceFixtures.EXAMPLE_JSON;
import static io.teraio.core.trace.TraceFixtures.architectureExample;
import static io.teraio.core.trace.TraceFixtures.edit;
import static io.teraio.core.trace.TraceFixtures.everyKind;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/trace-format.schema.json agrees with what TraceWriter writes and TraceReader rejects. */
class TraceSchemaTest {
    /** Relative to the module directory, where surefire runs the tests. */
    private static final Path SCHEMA = Path.of("../docs/trace-format.schema.json");

    private static Schema schema;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadSchema() throws IOException {
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Files.readString(SCHEMA));
    }

    private static List<String> problems(String document) {
        List<com.networknt.schema.Error> errors = schema.validate(document, InputFormat.JSON);
        return errors.stream().map(error -> error.getInstanceLocation() + " " + error.getKeyword()).toList();
    }

    @Test
    void acceptsWhatTheWriterWrites() throws IOException {
        for (Trace trace : List.of(architectureExample(), everyKind())) {
            Path file = dir.resolve("trace.json");
            TraceWriter.write(trace, file);
            assertEquals(List.of(), problems(Files.readString(file)));
        }
    }

    @Test
    void rejectsAnUnknownKind() {
        assertEquals(List.of("/tensors/0/kind enum"), problems(edit(EXAMPLE_JSON, "\"parameter\"", "\"weights\"")));
    }

    @Test
    void rejectsZeroBytes() {
        assertEquals(List.of("/tensors/1/bytes minimum"), problems(edit(EXAMPLE_JSON, "\"bytes\": 8192", "\"bytes\": 0")));
    }

    @Test
    void rejectsAMissingKey() {
        assertEquals(List.of("/ops/1 required"), problems(edit(EXAMPLE_JSON, "\"name\": \"relu\", ", "")));
    }
}
