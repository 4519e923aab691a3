package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceWriter;
import io.teraio.fixtures.SyntheticWorkload;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the progress bar shows on a terminal, and that it shows nothing elsewhere. */
class ProgressTest {
    private final StringWriter text = new StringWriter();
    private final AtomicLong now = new AtomicLong();
    private final Progress progress = new Progress(new PrintWriter(text, true), true, now::get);

    @Test
    void aTaskShowsPercentRateAndTimeLeftThenOneSummaryLine() {
        try (Progress.Task task = progress.task("write", 1L << 30, true)) {
            now.set(1_000_000_000L);
            task.set(512L << 20);
            String shown = text.toString();
            assertTrue(shown.startsWith("\rwrite [##############..............]  50%  512.00 MiB of 1.00 GiB"
                    + "  512.00 MiB/s  ETA 1.00 s"), shown);
            // Redrawn at most every 100 ms.
            now.set(1_050_000_000L);
            task.set(600L << 20);
            assertEquals(shown, text.toString());
            now.set(2_000_000_000L);
            task.set(1L << 30);
            assertTrue(text.toString().contains("100%"), text.toString());
        }
        String all = text.toString();
        assertTrue(all.endsWith("\rwrite: 1.00 GiB in 2.00 s (512.00 MiB/s)\u001b[K\n"), all);
        assertEquals(1, all.chars().filter(c -> c == '\n').count(), "one summary line");
    }

    @Test
    void countsWithoutBytesAndStagesWithTheirTime() {
        try (Progress.Task task = progress.task("iterations", 4, false)) {
            now.set(2_000_000_000L);
            task.advance(1);
            assertTrue(text.toString().contains("1 of 4  0.5/s  ETA 6.00 s"), text.toString());
        }
        String value = progress.stage("planning", () -> {
            now.addAndGet(1_500_000_000L);
            return "planned";
        });
        assertEquals("planned", value);
        assertTrue(text.toString().endsWith("\rplanning ...\u001b[K\rplanning: 1.50 s\u001b[K\n"), text.toString());
    }

    @Test
    void offItDrawsNothingAndStillDoesTheWork(@TempDir Path dir) {
        StringWriter none = new StringWriter();
        Progress off = Progress.to(new PrintWriter(none, true), false);
        Trace trace = SyntheticWorkload.gpt2Like().trace();
        Path file = dir.resolve("t.json.gz");
        TraceWriter.write(trace, file);
        assertEquals(trace.ops().size(), off.readTrace(file).ops().size());
        try (Progress.Task task = off.task("x", 10, false)) {
            task.advance(5);
        }
        assertEquals("", none.toString());
    }

    @Test
    void readingATraceShowsItsBytes(@TempDir Path dir) {
        Trace trace = SyntheticWorkload.gpt2Like().trace();
        Path file = dir.resolve("t.json.gz");
        TraceWriter.write(trace, file);
        assertEquals(trace.ops().size(), progress.readTrace(file).ops().size());
        assertTrue(text.toString().startsWith("\rreading " + file), text.toString());
        assertTrue(text.toString().contains(" in "), text.toString());
    }

    @Test
    void everyCommandTakesQuiet() {
        CliRunner r = CliRunner.run("--quiet", "help");
        assertEquals(0, r.exitCode(), r.err());
        r = CliRunner.run("help", "analyze");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("--quiet"), r.out());
    }
}
