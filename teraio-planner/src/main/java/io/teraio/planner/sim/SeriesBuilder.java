package io.teraio.planner.sim;

import java.util.Arrays;

/**
 * Downsamples a piecewise-constant quantity into at most {@code maxPoints} equal buckets as it
 * is produced, in constant memory: when time runs past the last bucket, neighbouring buckets
 * are merged in pairs and the bucket width doubles. A bucket keeps the integral of the value
 * (for means) and its maximum (for peaks, counting values that held for no time at all).
 */
final class SeriesBuilder {
    private final int maxPoints;
    private final boolean peak;
    private long widthNs;
    private final double[] integral;
    private final double[] max;
    private long lastNs;
    private double lastValue;

    /**
     * @param maxPoints  the most buckets
     * @param expectedNs how long the series is expected to run (sets the first bucket width)
     * @param peak       whether the points are bucket maxima (otherwise means)
     * @param initial    the value at time 0
     */
    SeriesBuilder(int maxPoints, long expectedNs, boolean peak, double initial) {
        this.maxPoints = maxPoints;
        this.peak = peak;
        this.widthNs = Math.max(1, (expectedNs + maxPoints - 1) / maxPoints);
        this.integral = new double[maxPoints];
        this.max = new double[maxPoints];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        this.lastValue = initial;
        max[0] = initial;
    }

    /** The value changes to {@code value} at {@code timeNs} (not before the previous change). */
    void set(long timeNs, double value) {
        fill(lastNs, timeNs, lastValue);
        lastNs = timeNs;
        lastValue = value;
        int b = bucket(timeNs);
        max[b] = Math.max(max[b], value);
    }

    /** The series up to {@code endNs}. */
    TimeSeries finish(long endNs) {
        fill(lastNs, endNs, lastValue);
        lastNs = endNs;
        int count = endNs <= 0 ? 1 : (int) Math.min(maxPoints, (endNs + widthNs - 1) / widthNs);
        long[] times = new long[count];
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            times[i] = i * widthNs;
            if (peak) {
                values[i] = max[i] == Double.NEGATIVE_INFINITY ? lastValue : max[i];
            } else {
                long covered = Math.min(widthNs, endNs - times[i]);
                values[i] = covered <= 0 ? lastValue : integral[i] / covered;
            }
        }
        return new TimeSeries(times, values);
    }

    private int bucket(long timeNs) {
        while (timeNs / widthNs >= maxPoints) {
            merge();
        }
        return (int) (timeNs / widthNs);
    }

    private void fill(long fromNs, long toNs, double value) {
        if (toNs <= fromNs) {
            return;
        }
        bucket(toNs - 1);
        long t = fromNs;
        while (t < toNs) {
            int b = (int) (t / widthNs);
            long end = Math.min(toNs, (b + 1) * widthNs);
            integral[b] += value * (end - t);
            max[b] = Math.max(max[b], value);
            t = end;
        }
    }

    private void merge() {
        int half = (maxPoints + 1) / 2;
        for (int i = 0; i < half; i++) {
            int a = 2 * i;
            int b = a + 1;
            double sum = integral[a] + (b < maxPoints ? integral[b] : 0);
            double m = Math.max(max[a], b < maxPoints ? max[b] : Double.NEGATIVE_INFINITY);
            integral[i] = sum;
            max[i] = m;
        }
        Arrays.fill(integral, half, maxPoints, 0);
        Arrays.fill(max, half, maxPoints, Double.NEGATIVE_INFINITY);
        widthNs *= 2;
    }
}
