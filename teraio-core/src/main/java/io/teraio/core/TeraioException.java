package io.teraio.core;

import io.teraio.core.internal.ControlCharacters;

/**
 * Base of every error teraio reports to a user: bad input files, bad configuration,
 * failed I/O. Its message is complete on its own (it names the operation, its inputs and
 * what went wrong), so a command-line front end prints it as one line. It is one line
 * whatever the input held: control characters that came from the input (a newline in a JSON
 * key, say) appear escaped by {@link ControlCharacters}, as {@code \n}, {@code \r}, {@code \t} or
 * {@code \u001b}.
 */
public class TeraioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TeraioException(String message) {
        super(oneLine(message));
    }

    public TeraioException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code text} on one line: its control characters escaped ({@code null} stays {@code null}). */
    static String oneLine(String text) {
        return ControlCharacters.escape(text, false);
    }
}
