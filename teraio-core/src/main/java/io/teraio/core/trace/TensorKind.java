package io.teraio.core.trace;

import java.util.Locale;

/** What a tensor holds; its JSON spelling is the lower-case name ({@code optimizer_state}). */
public enum TensorKind {
    PARAMETER,
    GRADIENT,
    OPTIMIZER_STATE,
    ACTIVATION,
    WORKSPACE,
    OTHER;

    /** The spelling used in trace files. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind spelled {@code name} in a trace file, or {@code null} if there is none. */
    public static TensorKind fromJsonName(String name) {
        for (TensorKind kind : values()) {
            if (kind.jsonName().equals(name)) {
                return kind;
            }
        }
        return null;
    }
}
