package io.teraio.core;

/**
 * Base of every error teraio reports to a user: bad input files, bad configuration,
 * failed I/O. Its message is complete on its own (it names the operation, its inputs and
 * what went wrong), so a command-line front end prints it as one line. It is one line
 * whatever the input held: control characters that came from the input (a newline in a JSON
 * key, say) appear escaped, as {@code \n}, {@code \r}, {@code \t} or {@code \u001b}.
 */
public class TeraioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TeraioException(String message) {
        super(oneLine(message));
    }

    public TeraioException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code text} with its control characters escaped ({@code null} stays {@code null}). */
    static String oneLine(String text) {
        if (text == null || text.chars().noneMatch(TeraioException::isControl)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (isControl(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static boolean isControl(int c) {
        return c < 0x20 || c >= 0x7f && c < 0xa0 || c == 0x2028 || c == 0x2029;
    }
}
