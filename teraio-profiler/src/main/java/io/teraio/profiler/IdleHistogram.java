package io.teraio.profiler;

import java.util.Arrays;

/**
 * How long inactive periods last: bucket {@code i} holds the periods whose duration is
 * below {@code upperBoundsNs[i]} (and not below the previous bound); one extra last bucket
 * holds the rest. The arrays must not be modified.
 *
 * @param upperBoundsNs the buckets' exclusive upper bounds, ascending
 * @param periodCounts  the number of periods in each bucket ({@code upperBoundsNs.length + 1} of them)
 * @param periodBytes   the sum of the periods' tensor bytes in each bucket
 */
public record IdleHistogram(long[] upperBoundsNs, long[] periodCounts, long[] periodBytes) {
    @Override
    public boolean equals(Object o) {
        return o instanceof IdleHistogram other
                && Arrays.equals(upperBoundsNs, other.upperBoundsNs)
                && Arrays.equals(periodCounts, other.periodCounts)
                && Arrays.equals(periodBytes, other.periodBytes);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(upperBoundsNs) + Arrays.hashCode(periodCounts))
                + Arrays.hashCode(periodBytes);
    }

    @Override
    public String toString() {
        return "IdleHistogram[upperBoundsNs=" + Arrays.toString(upperBoundsNs) + " periodCounts="
                + Arrays.toString(periodCounts) + " periodBytes=" + Arrays.toString(periodBytes) + "]";
    }
}
