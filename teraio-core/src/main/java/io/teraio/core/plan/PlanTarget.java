package io.teraio.core.plan;

/** Where an offloaded tensor is kept. */
public enum PlanTarget {
    SSD,
    HOST;

    /** The name used in plan files. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
