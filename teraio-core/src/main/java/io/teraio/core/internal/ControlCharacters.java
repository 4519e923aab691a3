package io.teraio.core.internal;

import io.teraio.core.TeraioException;

/**
 * The one rule for characters from input files that must not reach a terminal or break a
 * message's line as they are: every C0 control, DEL, the C1 controls, the Unicode line and
 * paragraph separators and the bidirectional overrides and isolates. They are written as
 * {@code \n}, {@code \r} and {@code \t}, or a backslash, {@code u} and four hex digits (ESC is
 * {@code \u001b}): JSON's own escapes, so that JSON output stays valid JSON with the same
 * strings. Used by {@link TeraioException} (one line: line feeds and tabs escaped too) and by
 * the CLI's terminal output (line feeds and tabs pass).
 */
public final class ControlCharacters {
    private ControlCharacters() {
    }

    /**
     * {@code text} with its control characters escaped ({@code null} stays {@code null}).
     *
     * @param keepLinesAndTabs whether line feeds and tabs pass (terminal output) or are escaped
     *                         (a one-line message)
     */
    public static String escape(String text, boolean keepLinesAndTabs) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean passes = !isControl(c) || keepLinesAndTabs && (c == '\n' || c == '\t');
            if (passes) {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb == null ? text : sb.toString();
    }

    /** Whether {@link #escape} escapes {@code c} (line feeds and tabs aside). */
    static boolean isControl(char c) {
        return c < 0x20 || c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029 || c >= 0x202a && c <= 0x202e
                || c >= 0x2066 && c <= 0x2069;
    }
}
