package io.teraio.core;

/**
 * Base of every error teraio reports to a user: bad input files, bad configuration,
 * failed I/O. Its message is complete on its own (it names the operation, its inputs and
 * what went wrong), so a command-line front end prints it as one line.
 */
public class TeraioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TeraioException(String message) {
        super(message);
    }

    public TeraioException(String message, Throwable cause) {
        super(message, cause);
    }
}
