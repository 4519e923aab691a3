package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.trace.TraceWriter;
import io.teraio.core.storage.StorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user who hands the CLI a bad file or bad arguments gets one line and exit code 2. */
class CliErrorsTest {
    @TempDir
    Path dir;

    private static void assertOneLineError(CliRunner r, String... fragments) {
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.err());
        assertEquals("", r.out());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "expected one line, got: " + r.err());
        for (String fragment : fragments) {
            assertTrue(lines[0].contains(fragment), "'" + fragment + "' not in: " + lines[0]);
        }
        assertFalse(r.err().contains("\tat "), "stack trace without --verbose: " + r.err());
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.json");
        assertOneLineError(CliRunner.run("analyze", missing.toString()), missing.toString(), "no such file");
    }

    @Test
    void directoryInsteadOfFile() {
        assertOneLineError(CliRunner.run("analyze", dir.toString()), dir.toString());
    }

    /** The first half of a trace written as {@code name}. */
    private Path truncated(String name) throws IOException {
        Path whole = dir.resolve("whole-" + name);
        TraceWriter.write(HandBuiltTrace.record(), whole);
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = dir.resolve(name);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        return truncated;
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = truncated("truncated.json");
        assertOneLineError(CliRunner.run("analyze", file.toString()), file.toString(), "truncated");
    }

    @Test
    void truncatedGzipFile() throws IOException {
        Path file = truncated("truncated.json.gz");
        assertOneLineError(CliRunner.run("analyze", file.toString()), file.toString(), "truncated or corrupt gzip");
    }

    @Test
    void invalidTraceNamesFileLocationAndProblem() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, """
                {"format": "teraio-trace", "version": 1, "source": {},
                 "iterations": [{"index": 0, "firstOp": 0, "opCount": 1}],
                 "tensors": [{"id": 0, "key": "w", "bytes": 4096, "kind": "parameter",
                              "persistent": true, "offloadable": true, "device": 0}],
                 "ops": [{"index": 0, "name": "linear", "durationNs": 10, "uses": [0, 7], "allocs": [], "frees": []}]}
                """, StandardCharsets.UTF_8);
        assertOneLineError(CliRunner.run("analyze", bad.toString()), bad + ":5:", "/ops/0/uses/1", "unknown tensor 7");
    }

    @Test
    void notATrace() throws IOException {
        Path bad = dir.resolve("other.json");
        Files.writeString(bad, "{\"format\": \"teraio-plan\", \"version\": 1}");
        assertOneLineError(CliRunner.run("analyze", bad.toString()), bad.toString(), "format");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Path missing = dir.resolve("nope.json");
        CliRunner r = CliRunner.run("--verbose", "analyze", missing.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith(missing + ": no such file"), r.err());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void verboseAfterTheSubcommandWorksToo() {
        Path missing = dir.resolve("nope.json");
        CliRunner r = CliRunner.run("analyze", missing.toString(), "--verbose");
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void unknownOptionAndMissingArgument() {
        CliRunner r = CliRunner.run("analyze", "--frobnicate", "x.json");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("teraio: Unknown option: '--frobnicate' (see 'teraio analyze --help')", r.err().strip());

        r = CliRunner.run("analyze");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("Missing required parameter: 'TRACE'"), r.err());

        r = CliRunner.run("frobnicate");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith("teraio: unknown command 'frobnicate'"), r.err());
    }

    @Test
    void aMistypedCommandOrOptionGetsTheClosestOne() {
        CliRunner r = CliRunner.run("anlyze", "x.json");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("teraio: unknown command 'anlyze'; did you mean 'analyze'? (teraio --help lists the commands)",
                r.err().strip());
        r = CliRunner.run("help", "anlyze");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("teraio: unknown command 'anlyze'; did you mean 'analyze'? (teraio --help lists the commands)",
                r.err().strip());
        r = CliRunner.run("analyze", "--jsn", "x.json");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("teraio: Unknown option: '--jsn'; did you mean '--json'? (see 'teraio analyze --help')",
                r.err().strip());
    }

    @Test
    void everyCommandHasHelpEvenWithItsRequiredArgumentsMissing() {
        for (String command : List.of("analyze", "import", "synth", "plan", "simulate", "compare", "report", "bench-io",
                "probe", "replay", "demo", "doctor", "bench-gds")) {
            for (String help : List.of("-h", "--help")) {
                CliRunner r = CliRunner.run(command, help);
                assertEquals(0, r.exitCode(), command + " " + help + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: teraio " + command), command + " " + help + ": " + r.out());
            }
        }
    }

    @Test
    void helpTextsWrapAtTheWidthNotAfterAWordOrTwo() {
        // descriptions are written as lines of up to 100 characters: wrapped again at 80, every
        // other line broke after a word or two until the CLI joined them into paragraphs; a line
        // that ends a sentence may be short, any other must end where the next word would not
        // have fitted in 70 columns (picocli wraps at 80, a word or two earlier at times)
        for (String command : List.of("", "analyze", "import", "synth", "plan", "simulate", "compare", "report",
                "bench-io", "probe", "replay", "demo", "doctor", "bench-gds")) {
            String[] lines = CliRunner.run(command.isEmpty() ? new String[] {"--help"}
                    : new String[] {command, "--help"}).out().split("\\R");
            int i = 1;
            while (lines[i].startsWith(" ")) {
                i++; // the synopsis
            }
            for (; i + 1 < lines.length && !lines[i + 1].startsWith(" "); i++) {
                String next = lines[i + 1].split(" ")[0];
                assertTrue(lines[i].endsWith(".") || lines[i].length() + 1 + next.length() > 70,
                        "teraio " + command + " --help: '" + lines[i] + "' breaks before '" + next + "'");
            }
        }
    }

    @Test
    void theCommandListShowsWholeSentences() {
        String list = CliRunner.run("help").out().replaceAll("\\s+", " ");
        assertTrue(list.contains("analyze Summarize a trace: tensors, ops, iterations, peak live bytes, how small the active"
                + " fraction of memory is, and how long tensors sit idle."), list);
        assertTrue(list.contains("help Display help information about the specified command."), list);
    }

    @Test
    void sizesThatWouldOverflowAreRefusedInOneLine() throws IOException {
        // 150 tensors of 2^62 bytes summed to Long.MIN_VALUE once made Units.formatBytes recurse until a
        // StackOverflowError escaped the CLI
        Path bad = dir.resolve("huge.json");
        StringBuilder tensors = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            tensors.append(i == 0 ? "" : ",").append("{\"id\": ").append(i).append(", \"key\": \"t").append(i)
                    .append("\", \"bytes\": 4611686018427387904, \"kind\": \"other\", \"persistent\": true,"
                            + " \"offloadable\": true, \"device\": 0}");
        }
        Files.writeString(bad, "{\"format\": \"teraio-trace\", \"version\": 1, \"source\": {},"
                + " \"iterations\": [{\"index\": 0, \"firstOp\": 0, \"opCount\": 1}], \"tensors\": [" + tensors
                + "], \"ops\": [{\"index\": 0, \"name\": \"x\", \"durationNs\": 1, \"uses\": [0], \"allocs\": [],"
                + " \"frees\": []}]}");
        CliRunner r = CliRunner.run("analyze", bad.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.err());
        assertTrue(r.err().strip().endsWith("/tensors/0/bytes: tensor 0 (t0) has bytes 4611686018427387904, which takes"
                + " the tensors' total past the limit of 2^50 bytes (1 PiB)"), r.err());
    }

    @Test
    void versionAndHelp() {
        CliRunner r = CliRunner.run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().matches("(?s)teraio \\d+\\.\\d+\\.\\d+.*\\nJava 17.*"), r.out());

        r = CliRunner.run("help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("analyze"), r.out());
        assertTrue(r.out().contains("demo"), r.out());

        r = CliRunner.run("help", "analyze");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("--json"), r.out());
    }

    @Test
    void whateverEscapesACommandIsOneLineWithTheExitCodeOfItsMeaning() {
        StringWriter err = new StringWriter();
        assertEquals(Main.EXIT_INTERNAL, Main.failed(new StackOverflowError(), false, new PrintWriter(err, true)));
        assertEquals("teraio: internal error: java.lang.StackOverflowError (a bug in teraio; please report it with the"
                + " command line and the stack trace that --verbose prints)", err.toString().strip());

        err = new StringWriter();
        assertEquals(Main.EXIT_INTERNAL, Main.failed(new ArithmeticException("long overflow"), false,
                new PrintWriter(err, true)));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());

        err = new StringWriter();
        assertEquals(Main.EXIT_INTERNAL, Main.failed(new OutOfMemoryError("Java heap space"), false,
                new PrintWriter(err, true)));
        assertTrue(err.toString().startsWith("teraio: out of memory (Java heap space, at most "), err.toString());
        assertTrue(err.toString().strip().endsWith("give the JVM more with TERAIO_JAVA_OPTS=-Xmx8g"), err.toString());

        err = new StringWriter();
        assertEquals(Main.EXIT_DATA, Main.failed(new StorageException("read of 4.00 MiB at offset 0 of /nvme0/f failed:"
                + " EIO (Input/output error)", "/nvme0/f", 0, 5, null), false, new PrintWriter(err, true)));
        assertEquals("read of 4.00 MiB at offset 0 of /nvme0/f failed: EIO (Input/output error)", err.toString().strip());

        err = new StringWriter();
        Main.failed(new IllegalStateException("x"), true, new PrintWriter(err, true));
        assertTrue(err.toString().contains("and the stack trace below)") && err.toString().contains("\tat "),
                err.toString());
    }
}
