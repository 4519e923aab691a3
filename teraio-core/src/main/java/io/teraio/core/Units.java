package io.teraio.core;

import java.util.Locale;
import java.util.regex.Pattern;

/** Human-readable sizes and durations for reports and logs. */
public final class Units {
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d+)?|\\.\\d+");
    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Units() {
    }

    /**
     * Parses a size such as {@code 4096}, {@code 4k}, {@code 1.5m}, {@code 40g}, {@code 40GiB}
     * or {@code 3.2GB}. A bare unit letter ({@code k m g t p e}) or one followed by {@code ib}
     * is binary ({@code 4k} and {@code 4KiB} are 4096); one followed by {@code b} alone is
     * decimal ({@code 3.2GB} is 3.2 x 10^9); a bare number or one with {@code b} is bytes.
     * Case does not matter, and a trailing {@code /s} is accepted so that a bandwidth reads as
     * one ({@code 3.2GB/s}).
     *
     * @param key   the option or configuration key the value belongs to, named in the error
     * @param value the text to parse
     * @throws TeraioException if the value is not a non-negative size that fits in a long
     */
    public static long parseBytes(String key, String value) {
        return parseBytes(key, value, false);
    }

    /**
     * Like {@link #parseBytes(String, String)}, for quantities that are never a few bytes
     * (device memory, bandwidths): a number without a unit other than {@code 0} is rejected
     * with a hint ({@code --gpu-mem 40} is almost certainly not 40 bytes); {@code 40b} states
     * bytes explicitly.
     */
    public static long parseBytesWithUnit(String key, String value) {
        return parseBytes(key, value, true);
    }

    private static long parseBytes(String key, String value, boolean unitRequired) {
        String text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (text.endsWith("/s")) {
            text = text.substring(0, text.length() - 2);
        }
        boolean decimal = false;
        boolean binary = false;
        boolean unitGiven = false;
        if (text.endsWith("ib")) {
            text = text.substring(0, text.length() - 2);
            binary = true;
        } else if (text.endsWith("b")) {
            text = text.substring(0, text.length() - 1);
            decimal = true;
            unitGiven = true;
        }
        int unit = text.isEmpty() ? -1 : "kmgtpe".indexOf(text.charAt(text.length() - 1));
        if (unit >= 0) {
            text = text.substring(0, text.length() - 1);
            unitGiven = true;
        }
        double bytes = -1;
        if (DECIMAL.matcher(text).matches() && !(binary && unit < 0)) {
            double number = Double.parseDouble(text);
            bytes = unit < 0 ? number : decimal ? number * Math.pow(1000, unit + 1) : Math.scalb(number, 10 * (unit + 1));
        }
        if (bytes < 0 || bytes >= 0x1p63) {
            throw new TeraioException(key + ": '" + value + "' is not a size; use bytes or a number with k, m, g, t"
                    + " (1k = 1024) or kB, MB, GB, TB (1 kB = 1000), such as 4k, 1.5m, 40g, 3.2GB");
        }
        if (unitRequired && !unitGiven && bytes != 0) {
            throw new TeraioException(key + ": '" + value + "' has no unit; did you mean " + text + "g (GiB), "
                    + text + "GB (decimal) or " + text + "m? Write " + text + "b for bytes");
        }
        return Math.round(bytes);
    }

    /**
     * Parses a duration such as {@code 20us}, {@code 1.5ms}, {@code 2s} or {@code 800ns} (a
     * bare number is nanoseconds; {@code µs} is accepted for {@code us}).
     *
     * @param key   the option or configuration key the value belongs to, named in the error
     * @param value the text to parse
     * @throws TeraioException if the value is not a non-negative duration that fits in a long
     */
    public static long parseNanos(String key, String value) {
        String text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('µ', 'u');
        double scale = 1;
        for (String[] unit : new String[][] {{"ns", "1"}, {"us", "1e3"}, {"ms", "1e6"}, {"s", "1e9"}}) {
            if (text.endsWith(unit[0])) {
                text = text.substring(0, text.length() - unit[0].length());
                scale = Double.parseDouble(unit[1]);
                break;
            }
        }
        double nanos = DECIMAL.matcher(text).matches() ? Double.parseDouble(text) * scale : -1;
        if (nanos < 0 || nanos >= 0x1p63) {
            throw new TeraioException(key + ": '" + value + "' is not a duration; use a number with ns, us, ms"
                    + " or s, such as 20us or 1.5ms");
        }
        return Math.round(nanos);
    }

    /** {@code 1536} is {@code "1.50 KiB"}; values under 1 KiB are exact ({@code "512 B"}). */
    public static String formatBytes(long bytes) {
        if (bytes < 0) {
            // -Long.MIN_VALUE is itself: format the magnitude as a double, never recurse
            return "-" + formatBytes(-(double) bytes);
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        return formatBytes((double) bytes);
    }

    private static String formatBytes(double magnitude) {
        if (magnitude < 1024) {
            return (long) magnitude + " B";
        }
        double value = magnitude;
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
            // -Long.MIN_VALUE is itself: format the magnitude as a double, never recurse
            return "-" + formatNanos(-(double) nanos);
        }
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        return formatNanos((double) nanos);
    }

    private static String formatNanos(double nanos) {
        if (nanos < 1_000) {
            return (long) nanos + " ns";
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
