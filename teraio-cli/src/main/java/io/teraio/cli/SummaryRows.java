package io.teraio.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The rows of a command's summary: an indented label and its value, one a line, as
 * {@code analyze}, {@code synth}, {@code plan}, {@code simulate} and {@code replay} print them.
 */
public final class SummaryRows {
    private SummaryRows() {
    }

    /** Prints one row: {@code label} left-aligned in its column, then {@code value}. */
    public static void print(PrintWriter out, String label, String value) {
        out.printf(Locale.ROOT, "  %-18s %s%n", label, value);
    }
}
