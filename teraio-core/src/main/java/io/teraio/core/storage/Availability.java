package io.teraio.core.storage;

import java.util.Objects;

/**
 * Whether an optional part (cuFile, a CUDA device) can be used here, and why not: the reason
 * names what was looked for, what failed, and the code with its meaning, so that it can be
 * printed as it is ({@code teraio doctor}, the engine's start line).
 *
 * @param available whether it can be used
 * @param reason    why not, or what was found when it can be
 */
public record Availability(boolean available, String reason) {
    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    /** Usable; {@code detail} says what was found ({@code cuFile 1.14 from /usr/lib/libcufile.so.0}). */
    public static Availability yes(String detail) {
        return new Availability(true, detail);
    }

    /** Not usable, for {@code reason}. */
    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
