package io.teraio.core.plan;

/** What a plan entry does to its tensor. */
public enum PlanAction {
    /** Copy the tensor out of device memory and release it there. */
    OFFLOAD,
    /** Bring the tensor back into device memory. */
    PREFETCH;

    /** The name used in plan files. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
