package io.teraio.core.trace;

import io.teraio.core.TeraioException;

/**
 * A trace that breaks the format or its rules. The message names the file, the place in it
 * and what is wrong: {@code trace.json:12:7: /ops/3/uses/1: op 3 (relu) uses unknown tensor 99}.
 */
public final class TraceFormatException extends TeraioException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String location;
    private final String pointer;
    private final String problem;

    /**
     * @param file     the file (or other source, such as {@code recorder}) the trace came from
     * @param location {@code line:column} in the file, or {@code null} where there is none
     * @param pointer  the JSON pointer of the offending value, or {@code null}
     * @param problem  what is wrong, as a sentence fragment
     */
    public TraceFormatException(String file, String location, String pointer, String problem) {
        this(file, location, pointer, problem, null);
    }

    public TraceFormatException(String file, String location, String pointer, String problem, Throwable cause) {
        super(compose(file, location, pointer, problem), cause);
        this.file = file;
        this.location = location;
        this.pointer = pointer;
        this.problem = problem;
    }

    private static String compose(String file, String location, String pointer, String problem) {
        StringBuilder sb = new StringBuilder(file);
        if (location != null) {
            sb.append(':').append(location);
        }
        sb.append(": ");
        if (pointer != null) {
            sb.append(pointer.isEmpty() ? "/" : pointer).append(": ");
        }
        return sb.append(problem).toString();
    }

    public String file() {
        return file;
    }

    /** {@code line:column}, or {@code null}. */
    public String location() {
        return location;
    }

    /** The JSON pointer of the offending value, or {@code null}. */
    public String pointer() {
        return pointer;
    }

    public String problem() {
        return problem;
    }
}
