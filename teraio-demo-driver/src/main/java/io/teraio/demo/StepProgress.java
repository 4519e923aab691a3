package io.teraio.demo;

/**
 * Where a demo shows its training steps as they complete: the CLI draws a bar on a terminal.
 * Where nothing is drawn, a demo that has per-step lines prints them instead.
 */
public interface StepProgress {
    /** Whether a bar is drawn (then a demo leaves out its per-step lines). */
    boolean enabled();

    /** Starts showing {@code totalSteps} steps of work called {@code name}; close the task when they are done. */
    Task startSteps(String name, long totalSteps);

    /** One run's steps; closing it (idempotent) ends what it shows. */
    interface Task extends AutoCloseable {
        /** {@code steps} are done in all. */
        void set(long steps);

        @Override
        void close();
    }
}
