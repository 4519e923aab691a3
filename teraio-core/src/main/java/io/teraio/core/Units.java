package io.teraio.core;

import java.util.Locale;

/** Human-readable sizes and durations for reports and logs. */
public final class Units {
    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Units() {
    }

    /** {@code 1536} is {@code "1.50 KiB"}; values under 1 KiB are exact ({@code "512 B"}). */
    public static String formatBytes(long bytes) {
        if (bytes < 0) {
            return "-" + formatBytes(-bytes);
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.2f %s", value, BYTE_UNITS[unit]);
    }

    /** {@code 1500} is {@code "1.50 µs"}; values under 1 µs are exact ({@code "800 ns"}). */
    public static String formatNanos(long nanos) {
        if (nanos < 0) {
            return "-" + formatNanos(-nanos);
        }
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.2f µs", nanos / 1e3);
        }
        if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
