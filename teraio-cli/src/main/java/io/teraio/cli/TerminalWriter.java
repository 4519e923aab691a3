package io.teraio.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * What the command prints, with control characters escaped: op names, tensor keys and model
 * names come from input files, and a trace could otherwise move the cursor, recolour or clear
 * the user's terminal. Line feeds and tabs pass; every other C0 control, DEL, a C1 control and
 * the Unicode bidirectional overrides are written as a backslash, {@code u} and four hex digits
 * (ESC is {@code \\u001b}): JSON's own escape, so JSON output stays valid JSON with the same
 * strings (Jackson escapes C0 controls itself, but not DEL, C1 or the overrides).
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
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (needsEscape(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                sb.append(String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    private static boolean needsEscape(char c) {
        return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069);
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
