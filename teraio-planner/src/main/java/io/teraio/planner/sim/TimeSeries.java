package io.teraio.planner.sim;

import java.util.Objects;

/**
 * A quantity over the simulated iteration, downsampled for plots: point {@code i} covers the
 * time from {@code timesNs[i]} to {@code timesNs[i + 1]} (the last one to the iteration's
 * end), measured from the iteration's start. The arrays are shared, not copied: do not modify
 * them.
 *
 * @param timesNs the start of each point's interval, ascending, the first one 0
 * @param values  the value over each interval (the {@link Timelines} component says which
 *                statistic: the maximum for memory, the mean for rates)
 */
public record TimeSeries(long[] timesNs, double[] values) {
    /** A series with no points. */
    public static final TimeSeries EMPTY = new TimeSeries(new long[0], new double[0]);

    public TimeSeries {
        Objects.requireNonNull(timesNs, "timesNs");
        Objects.requireNonNull(values, "values");
        if (timesNs.length != values.length) {
            throw new IllegalArgumentException("TimeSeries: " + timesNs.length + " times but " + values.length
                    + " values");
        }
    }

    /** The number of points. */
    public int size() {
        return values.length;
    }

    /** The largest value, or 0 if there are no points. */
    public double max() {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
