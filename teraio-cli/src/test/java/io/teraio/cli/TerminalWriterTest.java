package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names from input files cannot drive the user's terminal. */
class TerminalWriterTest {
    @TempDir
    Path dir;

    @Test
    void controlCharactersAreEscapedLineFeedsAndTabsPass() {
        assertEquals("lin\\u001b[31mear", TerminalWriter.escape("lin\u001b[31mear"));
        assertEquals("a\\rb\\u0007c\\u007fd\\u009be\\u202ef\\u0000",
                TerminalWriter.escape("a\rb\u0007c\u007fd\u009be\u202ef\u0000"));
        assertEquals("two\nlines\tand a tab, µs and ü", TerminalWriter.escape("two\nlines\tand a tab, µs and ü"));
    }

    @Test
    void onlyPrintControlWritesAControlSequence() {
        StringWriter raw = new StringWriter();
        TerminalWriter.of(raw).print("x\u001b[2J");
        ((TerminalWriter) TerminalWriter.of(raw)).printControl("\r");
        PrintWriter same = TerminalWriter.of(raw);
        assertTrue(same == TerminalWriter.of(same), "an escaping writer is not wrapped twice");
        assertEquals("x\\u001b[2J\r", raw.toString());
    }

    @Test
    void logLinesOnTheEscapingStreamAreEscaped() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream stream = TerminalWriter.escapingStream(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        stream.println("[WARN] offload of tensor 'k\u001b]0;owned\u0007' failed");
        assertEquals("[WARN] offload of tensor 'k\\u001b]0;owned\\u0007' failed\n", bytes.toString(StandardCharsets.UTF_8));
    }

    /** A one-op trace whose source model and op name are the JSON string contents given. */
    private Path trace(String modelJson, String opNameJson) throws IOException {
        Path trace = dir.resolve("t.json");
        Files.writeString(trace, """
                {"format": "teraio-trace", "version": 1, "source": {"model": "MODEL"},
                 "iterations": [{"index": 0, "firstOp": 0, "opCount": 1}],
                 "tensors": [{"id": 0, "key": "w", "bytes": 4096, "kind": "parameter", "persistent": true,
                              "offloadable": true, "device": 0}],
                 "ops": [{"index": 0, "name": "NAME", "durationNs": 10, "uses": [0], "allocs": [], "frees": []}]}
                """.replace("MODEL", modelJson).replace("NAME", opNameJson), StandardCharsets.UTF_8);
        return trace;
    }

    @Test
    void anOpNameFromATraceReachesTheTerminalEscaped() throws Exception {
        CliRunner r = CliRunner.run("analyze", trace("m\\u001b[2J", "lin\\u001b[31mear").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("(lin\\u001b[31mear)"), r.out());
        assertTrue(r.out().contains("m\\u001b[2J"), r.out());
        assertFalse(r.out().contains("\u001b"), r.out());
    }

    @Test
    void jsonOutputStaysValidWithTheSameStrings() throws Exception {
        String model = "m\u007f\u009b\u202e";
        CliRunner r = CliRunner.run("analyze", trace(model, "x").toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().chars().anyMatch(c -> c == 0x7f || c == 0x9b || c == 0x202e || c == 0x1b), r.out());
        assertEquals(model, new ObjectMapper().readTree(r.out()).get("model").asText());
    }
}
