package io.teraio.cli;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.internal.MeteredInputStream;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import io.teraio.demo.StepProgress;
import io.teraio.probe.ByteProgress;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Progress of long CLI work on stderr: a bar with percentage, rate and time left for work of
 * known size ({@link #task}), the elapsed time for a stage of unknown size ({@link #stage}).
 * It draws only on a terminal ({@link System#console()} is not null) and never with
 * {@code --quiet}; otherwise every method is a no-op, so commands call it unconditionally and
 * their piped output and logs stay clean.
 *
 * <p>A bar is redrawn in place ({@code \r}) at most every {@link #REDRAW_NANOS} and ends with
 * one summary line. Tasks may be advanced from any thread.
 *
 * <p>A command gets one with {@link #of(CommandSpec)}; code outside a command can make one with
 * {@link #to(PrintWriter, boolean)}. The probes show their bytes through it ({@link ByteProgress})
 * and the demo drivers their training steps ({@link StepProgress}).
 */
public final class Progress implements ByteProgress, StepProgress {
    /** How often a bar is redrawn at most. */
    static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 28;
    private static final Progress OFF = new Progress(null, false, System::nanoTime);

    private final PrintWriter err;
    private final boolean enabled;
    private final LongSupplier clock;

    Progress(PrintWriter err, boolean enabled, LongSupplier clock) {
        this.err = err;
        this.enabled = enabled;
        this.clock = clock;
    }

    /** Progress on the command's stderr, drawn when stderr's process has a terminal and {@code --quiet} was not given. */
    public static Progress of(CommandSpec spec) {
        return to(spec.commandLine().getErr(), !quiet(spec) && System.console() != null);
    }

    /** Whether {@code --quiet} was given: then commands print no per-stage lines either. */
    public static boolean quiet(CommandSpec spec) {
        return spec.root().userObject() instanceof TeraioCommand t && t.quiet;
    }

    /** Progress on {@code err}, drawn only if {@code enabled}. */
    static Progress to(PrintWriter err, boolean enabled) {
        return enabled ? new Progress(err, true, System::nanoTime) : OFF;
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    /**
     * Runs {@code work} as a stage: shows {@code name ...} while it runs and
     * {@code name: TIME} when it ends.
     */
    public <T> T stage(String name, Supplier<T> work) {
        if (!enabled) {
            return work.get();
        }
        long start = clock.getAsLong();
        redraw(name + " ...", false);
        T result = work.get();
        redraw(name + ": " + Units.formatNanos(clock.getAsLong() - start), true);
        return result;
    }

    /**
     * Reads a trace, showing the bytes of the file read so far (compressed bytes for
     * {@code .gz}) with rate and time left; errors are those of {@link TraceReader#read(Path)}.
     */
    public Trace readTrace(Path file) {
        if (!enabled || !Files.isRegularFile(file)) {
            return TraceReader.read(file);
        }
        long size;
        InputStream raw;
        try {
            size = Files.size(file);
            raw = Files.newInputStream(file);
        } catch (IOException e) {
            return TraceReader.read(file);
        }
        try (InputStream in = raw; Task task = task("reading " + file, size, true)) {
            return TraceReader.read(new MeteredInputStream(in, task::advance), file.toString());
        } catch (IOException e) {
            throw new TeraioException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Step {@code done} of {@code total} of a stage done step by step (a bar without a rate). */
    public void update(String name, long done, long total) {
        if (enabled) {
            redraw(bar(name, done, total), false);
        }
    }

    /** Ends what {@link #update} drew with one line. */
    public void done(String summary) {
        if (enabled) {
            redraw(summary, true);
        }
    }

    /**
     * Draws {@code text} over the current line (a carriage return before it, an erase to the
     * end of the line after it), then a line feed if it {@code ends} the line. The text is
     * escaped like all output ({@link TerminalWriter}); the control sequences are not.
     */
    private void redraw(String text, boolean ends) {
        control("\r");
        err.print(text);
        control("\u001b[K");
        if (ends) {
            err.print("\n");
        }
        err.flush();
    }

    private void control(String sequence) {
        if (err instanceof TerminalWriter terminal) {
            terminal.printControl(sequence);
        } else {
            err.print(sequence);
        }
    }

    /** A task of {@code total} units, bytes or items: a bar with rate and time left. */
    public Task task(String name, long total, boolean bytes) {
        return new Task(name, total, bytes);
    }

    /** A task of {@code totalBytes}: a bar with rate and time left. */
    @Override
    public Task start(String name, long totalBytes) {
        return task(name, totalBytes, true);
    }

    /** A task of {@code totalSteps}: a bar with rate and time left. */
    @Override
    public Task startSteps(String name, long totalSteps) {
        return task(name, totalSteps, false);
    }

    private static String bar(String name, long done, long total) {
        double fraction = total <= 0 ? 1.0 : Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        return String.format(Locale.ROOT, "%s [%s%s] %3d%%", name, "#".repeat(filled), ".".repeat(BAR_WIDTH - filled),
                Math.round(fraction * 100));
    }

    /** Work of known size; close it when done (idempotent). */
    public final class Task implements ByteProgress.Task, StepProgress.Task {
        private final String name;
        private final long total;
        private final boolean bytes;
        private final long startNs;
        private final AtomicLong done = new AtomicLong();
        private long lastDrawNs;
        private boolean closed;

        private Task(String name, long total, boolean bytes) {
            this.name = name;
            this.total = total;
            this.bytes = bytes;
            this.startNs = clock.getAsLong();
            this.lastDrawNs = startNs - REDRAW_NANOS;
        }

        /** {@code units} more are done. */
        @Override
        public void advance(long units) {
            set(done.addAndGet(units));
        }

        /** {@code units} are done in all. */
        @Override
        public void set(long units) {
            done.set(units);
            if (!enabled) {
                return;
            }
            long now = clock.getAsLong();
            synchronized (this) {
                if (closed || now - lastDrawNs < REDRAW_NANOS) {
                    return;
                }
                lastDrawNs = now;
                redraw(line(units, now), false);
            }
        }

        /** The bar as it would be drawn now: name, bar, percentage, amount, rate and time left. */
        String line(long units, long nowNs) {
            long elapsed = Math.max(1, nowNs - startNs);
            double perSecond = units * 1e9 / elapsed;
            String amount = bytes ? Units.formatBytes(units) + " of " + Units.formatBytes(total)
                    : String.format(Locale.ROOT, "%,d of %,d", units, total);
            String rate = rate(perSecond);
            String left = units <= 0 || perSecond <= 0 ? "?"
                    : Units.formatNanos((long) ((total - Math.min(total, units)) / perSecond * 1e9));
            return bar(name, units, total) + "  " + amount + "  " + rate + "  ETA " + left;
        }

        private String rate(double perSecond) {
            if (bytes) {
                return Units.formatBytes((long) perSecond) + "/s";
            }
            return String.format(Locale.ROOT, perSecond < 10 ? "%.1f/s" : "%,.0f/s", perSecond);
        }

        @Override
        public void close() {
            if (!enabled) {
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                long now = clock.getAsLong();
                long units = done.get();
                double perSecond = units * 1e9 / Math.max(1, now - startNs);
                String rate = rate(perSecond);
                redraw(name + ": " + (bytes ? Units.formatBytes(units) : String.format(Locale.ROOT, "%,d", units))
                        + " in " + Units.formatNanos(now - startNs) + " (" + rate + ")", true);
            }
        }
    }
}
