package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void demoWritesATraceAndAnalyzesIt() {
        CliRunner r = CliRunner.run("demo", "--out", dir.toString(), "--layers", "2", "--iterations", "2");
        assertEquals(0, r.exitCode(), r.err());
        Path file = dir.resolve("trace.json.gz");
        assertTrue(Files.isRegularFile(file));
        Trace trace = TraceReader.read(file);
        assertEquals(2, trace.iterations().size());
        assertTrue(r.out().contains("[1/3] recorded " + trace.ops().size() + " ops"), r.out());
        assertTrue(r.out().contains("read it back identical"), r.out());
        assertTrue(r.out().contains("active fraction"), r.out());
    }

    @Test
    void badSizesAreUsageErrors() {
        CliRunner r = CliRunner.run("demo", "--out", dir.toString(), "--layers", "0");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().contains("--layers and --iterations must be at least 1"), r.err());
    }

    @Test
    void unwritableOutputDirectoryIsAUsageError() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        CliRunner r = CliRunner.run("demo", "--out", file.resolve("sub").toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("cannot create the output directory"), r.err());
    }
}
