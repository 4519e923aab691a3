package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
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
        assertEquals("lin\\x1b[31mear", TerminalWriter.escape("lin\u001b[31mear"));
        assertEquals("a\\x0db\\x07c\\x7fd\\x9be\\u202ef\\x00", TerminalWriter.escape("a\rb\u0007c\u007fd\u009be\u202ef\u0000"));
        assertEquals("two\nlines\tand a tab, µs and ü", TerminalWriter.escape("two\nlines\tand a tab, µs and ü"));
    }

    @Test
    void onlyPrintControlWritesAControlSequence() {
        StringWriter raw = new StringWriter();
        TerminalWriter.of(raw).print("x\u001b[2J");
        ((TerminalWriter) TerminalWriter.of(raw)).printControl("\r");
        PrintWriter same = TerminalWriter.of(raw);
        assertTrue(same == TerminalWriter.of(same), "an escaping writer is not wrapped twice");
        assertEquals("x\\x1b[2J\r", raw.toString());
    }

    @Test
    void logLinesOnTheEscapingStreamAreEscaped() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream stream = TerminalWriter.escapingStream(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        stream.println("[WARN] offload of tensor 'k\u001b]0;owned\u0007' failed");
        assertEquals("[WARN] offload of tensor 'k\\x1b]0;owned\\x07' failed\n", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anOpNameFromATraceReachesTheTerminalEscaped() throws Exception {
        Path trace = dir.resolve("t.json");
        Files.writeString(trace, """
                {"format": "teraio-trace", "version": 1, "source": {"model": "m\\u001b[2J"},
                 "iterations": [{"index": 0, "firstOp": 0, "opCount": 1}],
                 "tensors": [{"id": 0, "key": "w", "bytes": 4096, "kind": "parameter", "persistent": true,
                              "offloadable": true, "device": 0}],
                 "ops": [{"index": 0, "name": "lin\\u001b[31mear", "durationNs": 10, "uses": [0], "allocs": [], "frees": []}]}
                """);
        CliRunner r = CliRunner.run("analyze", trace.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("(lin\\x1b[31mear)"), r.out());
        assertTrue(r.out().contains("m\\x1b[2J"), r.out());
        assertFalse(r.out().contains("\u001b"), r.out());
    }
}
