package io.teraio.agent;

import io.teraio.core.TeraioException;
import java.util.Locale;

/** What the agent does with the training job ({@code mode=}). */
public enum AgentMode {
    /** Skip the warm-up iterations, record the next ones, write the trace. */
    PROFILE,
    /** Apply a plan made earlier ({@code plan=}) from the first iteration after warm-up. */
    OFFLOAD,
    /** Profile, plan in process, then offload from the next iteration on. */
    AUTO;

    /** {@code profile}, {@code offload}, {@code auto}. */
    public String argName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static AgentMode parse(String value) {
        for (AgentMode mode : values()) {
            if (mode.argName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new TeraioException("mode: '" + value + "' is not a mode; use profile, offload or auto");
    }
}
