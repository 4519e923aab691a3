package io.teraio.core.session;

/** What a {@link TeraioSession} does with the ops the trainer marks. */
public enum SessionMode {
    /** Nothing is recorded or planned; tensors move only when device memory runs short. */
    OFF,
    /** Records a trace of the profiled iterations ({@link TeraioSession#trace()}); no plan. */
    PROFILE,
    /** Applies a given plan from the first iteration. */
    OFFLOAD,
    /** Records the profiled iterations, plans in process, and applies the plan from the next iteration. */
    AUTO
}
