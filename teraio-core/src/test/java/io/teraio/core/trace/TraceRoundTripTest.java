package io.teraio.core.trace;

import static io.teraio.core.trace.TraceFixtures.EXAMPLE_JSON;
import static io.teraio.core.trace.TraceFixtures.architectureExample;
import static io.teraio.core.trace.TraceFixtures.edit;
import static io.teraio.core.trace.TraceFixtures.everyKind;
import static io.teraio.core.trace.TraceFixtures.gzip;
import static io.teraio.core.trace.TraceFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void plainFileReadsBackEqual() throws IOException {
        Path file = dir.resolve("trace.json");
        TraceWriter.write(everyKind(), file);
        assertEquals('{', Files.readAllBytes(file)[0]);
        assertEquals(everyKind(), TraceReader.read(file));
    }

    @Test
    void gzipFileReadsBackEqual() throws IOException {
        Path file = dir.resolve("trace.json.gz");
        TraceWriter.write(everyKind(), file);
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {0x1f, (byte) 0x8b}, new byte[] {bytes[0], bytes[1]});
        assertEquals(everyKind(), TraceReader.read(file));
    }

    @Test
    void streamReadsBackEqual() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceWriter.write(everyKind(), out);
        assertEquals(everyKind(), TraceReader.read(new ByteArrayInputStream(out.toByteArray()), "stream"));
    }

    @Test
    void writesTheArchitectureExampleOneElementPerLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceWriter.write(architectureExample(), out);
        assertEquals(EXAMPLE_JSON, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void gzipIsRecognisedByContentNotName() throws IOException {
        Path gzipNamedJson = dir.resolve("trace.json");
        Files.write(gzipNamedJson, gzip(EXAMPLE_JSON));
        Path jsonNamedGz = dir.resolve("trace.json.gz");
        Files.writeString(jsonNamedGz, EXAMPLE_JSON);
        assertEquals(architectureExample(), TraceReader.read(gzipNamedJson));
        assertEquals(architectureExample(), TraceReader.read(jsonNamedGz));
    }

    @Test
    void readsKeysInAnyOrderAndIgnoresUnknownKeys() {
        String document = """
                {"ops": [
                   {"frees": [], "allocs": [1], "uses": [0, 1], "durationNs": 1000, "name": "linear", "index": 0,
                    "stream": 7, "inputs": [{"shape": [2, 3]}]},
                   {"name": "relu", "index": 1, "durationNs": 500, "uses": [1], "allocs": [], "frees": []},
                   {"index": 2, "name": "sum", "durationNs": 200, "uses": [1], "allocs": [], "frees": [1]}],
                 "comment": "written by hand",
                 "tensors": [
                   {"device": 0, "offloadable": true, "persistent": true, "kind": "parameter", "bytes": 4096,
                    "key": "layer0.weight", "id": 0, "dtype": "float32"},
                   {"id": 1, "key": "op0.out0", "bytes": 8192, "kind": "activation", "persistent": false,
                    "offloadable": true, "device": 0}],
                 "iterations": [{"opCount": 3, "firstOp": 0, "index": 0, "wallNs": null}],
                 "source": {"device": "cpu", "model": "mlp", "framework": "djl 0.35.1 / pytorch 2.7.1",
                            "tool": "teraio-agent 0.1.0", "host": {"name": "gpu01"}},
                 "version": 1,
                 "format": "teraio-trace"}
                """;
        assertEquals(architectureExample(), TraceReader.read(utf8(document), "trace.json"));
    }

    @Test
    void sourceKeysAreOptionalAndMayBeNull() {
        String document = edit(EXAMPLE_JSON,
                "{\"tool\": \"teraio-agent 0.1.0\", \"framework\": \"djl 0.35.1 / pytorch 2.7.1\", \"model\": \"mlp\", \"device\": \"cpu\"}",
                "{\"model\": null}");
        assertEquals(TraceSource.UNKNOWN, TraceReader.read(utf8(document), "trace.json").source());
    }

    @Test
    void writingAgainReplacesTheFile() {
        Path file = dir.resolve("trace.json");
        TraceWriter.write(everyKind(), file);
        TraceWriter.write(architectureExample(), file);
        assertEquals(architectureExample(), TraceReader.read(file));
    }
}
