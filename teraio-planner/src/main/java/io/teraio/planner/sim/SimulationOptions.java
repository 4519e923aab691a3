package io.teraio.planner.sim;

/**
 * How the {@link Simulator} simulates a plan.
 *
 * @param iterations     how many copies of the steady-state iteration to simulate (at least 1);
 *                       the result describes the last one. The first starts cold (see
 *                       docs/simulator.md), so 3 leaves one full iteration to settle
 * @param timelinePoints the most points each {@link TimeSeries} of the result has (at least 2)
 */
public record SimulationOptions(int iterations, int timelinePoints) {
    /** 3 iterations, 1000 points. */
    public static final SimulationOptions DEFAULT = new SimulationOptions(3, 1000);

    public SimulationOptions {
        if (iterations < 1) {
            throw new IllegalArgumentException("SimulationOptions: iterations must be at least 1, got " + iterations);
        }
        if (timelinePoints < 2) {
            throw new IllegalArgumentException("SimulationOptions: timelinePoints must be at least 2, got "
                    + timelinePoints);
        }
    }
}
