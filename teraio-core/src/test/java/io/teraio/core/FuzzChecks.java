package io.teraio.core;

/**
 * What the fuzz tests hold every reader of user input to: it accepts the input, or it throws a
 * {@link TeraioException} whose message is one non-blank line (what a CLI user reads). Anything
 * else escaping the reader (a {@code NullPointerException}, an index out of bounds, a
 * {@code StackOverflowError}) is a finding. Public for other modules' fuzz tests (through
 * teraio-core's test jar).
 */
public final class FuzzChecks {
    private FuzzChecks() {
    }

    /** Something that reads an input. */
    @FunctionalInterface
    public interface Read {
        void run() throws Exception;
    }

    /** Runs {@code read}; a {@link TeraioException} must have a one-line message, anything else propagates. */
    public static void acceptsOrRejectsInOneLine(Read read) throws Exception {
        try {
            read.run();
        } catch (TeraioException e) {
            String message = e.getMessage();
            if (message == null || message.isBlank() || message.indexOf('\n') >= 0 || message.indexOf('\r') >= 0) {
                throw new AssertionError("the error is not one line: " + message, e);
            }
        }
    }
}
