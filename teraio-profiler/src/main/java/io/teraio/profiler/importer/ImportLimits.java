package io.teraio.profiler.importer;

import io.teraio.core.TeraioException;
import io.teraio.core.trace.TraceValidator;

/**
 * A trace's limits ({@code docs/trace-format.md#limits}) checked while importing, so that an
 * input past them gets one line naming the input file (and the tensor or op), not the
 * recorder's check of the trace made from it.
 */
final class ImportLimits {
    private ImportLimits() {
    }

    /**
     * {@code total + bytes}, where {@code what} ({@code "storage 12"}) has {@code bytes}.
     *
     * @throws TeraioException naming {@code file} if the total passes
     *         {@link TraceValidator#MAX_TOTAL_BYTES}
     */
    static long addBytes(String file, long total, long bytes, String what) {
        long sum = saturatedAdd(total, bytes);
        if (sum > TraceValidator.MAX_TOTAL_BYTES) {
            throw new TeraioException(file + ": " + bytesPastLimit(what, bytes));
        }
        return sum;
    }

    /** The problem of {@code what} taking the tensors' total past the limit, for a message. */
    static String bytesPastLimit(String what, long bytes) {
        return what + " of " + bytes + " bytes takes the tensors' total past the limit of a trace, 2^50 bytes (1 PiB;"
                + " docs/trace-format.md#limits)";
    }

    /**
     * {@code total + durationNs}, where op {@code what} lasts {@code durationNs}.
     *
     * @throws TeraioException naming {@code file} if the total passes
     *         {@link TraceValidator#MAX_TOTAL_DURATION_NS}
     */
    static long addDuration(String file, long total, long durationNs, String what) {
        long sum = saturatedAdd(total, durationNs);
        if (sum > TraceValidator.MAX_TOTAL_DURATION_NS) {
            throw new TeraioException(file + ": " + what + " of " + durationNs + " ns takes the ops' total past the"
                    + " limit of a trace, 2^50 ns (about 13 days; docs/trace-format.md#limits)");
        }
        return sum;
    }

    /** {@code a + b} for non-negative values, {@link Long#MAX_VALUE} where that overflows. */
    static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
