package io.teraio.cli;

import io.teraio.core.internal.ControlCharacters;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * What the command prints, with control characters escaped: op names, tensor keys and model
 * names come from input files, and a trace could otherwise move the cursor, recolour or clear
 * the user's terminal. Line feeds and tabs pass; every other control character is escaped by
 * {@link ControlCharacters}'s rule, in JSON's own escapes, so JSON output stays valid JSON with the
 * same strings (Jackson escapes C0 controls itself, but not DEL, C1 or the overrides).
 * {@link Progress} draws its bar with {@link #printControl}, the one way past the escaping.
 */
final class TerminalWriter extends PrintWriter {
    private final Writer raw;

    private TerminalWriter(Writer raw) {
        super(new Escaping(raw), true);
        this.raw = raw;
    }

    /** {@code target}, escaping; a writer that already escapes is returned as it is. */
    static PrintWriter of(Writer target) {
        return target instanceof TerminalWriter t ? t : new TerminalWriter(target);
    }

    /** Writes {@code control} (such as {@code \r} or an ANSI erase sequence) unescaped, after what came before it. */
    void printControl(String control) {
        flush();
        try {
            raw.write(control);
            raw.flush();
        } catch (IOException e) {
            setError();
        }
    }

    /**
     * {@code target} as a stream whose printed strings are escaped as this writer escapes them,
     * for {@code System.err}, where the log lines go (a log line may name a tensor key).
     */
    static PrintStream escapingStream(PrintStream target) {
        return new PrintStream(target, true, StandardCharsets.UTF_8) {
            @Override
            public void print(String text) {
                super.print(escape(String.valueOf(text)));
            }
        };
    }

    /** {@code text} with control characters escaped as this writer escapes them. */
    static String escape(String text) {
        return ControlCharacters.escape(text, true);
    }

    private static final class Escaping extends FilterWriter {
        Escaping(Writer out) {
            super(out);
        }

        @Override
        public void write(int c) throws IOException {
            out.write(escape(String.valueOf((char) c)));
        }

        @Override
        public void write(char[] buffer, int offset, int length) throws IOException {
            out.write(escape(new String(buffer, offset, length)));
        }

        @Override
        public void write(String text, int offset, int length) throws IOException {
            out.write(escape(text.substring(offset, offset + length)));
        }
    }
}
