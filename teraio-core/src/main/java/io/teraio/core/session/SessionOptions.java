package io.teraio.core.session;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.Plan;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link TeraioSession} runs. Make one with {@link #off()}, {@link #profile},
 * {@link #offload} or {@link #auto}, then adjust it with the {@code with...} methods.
 *
 * @param mode               what the session does
 * @param warmup             iterations run before profiling starts (their ops are not recorded)
 * @param iterations         iterations profiled ({@code PROFILE}, {@code AUTO}); the last one is planned
 * @param plan               the plan applied ({@code OFFLOAD}), else {@code null}
 * @param profile            the trace {@code plan} was made from ({@code OFFLOAD}, optional): its last
 *                           iteration's op names are what divergence is checked against; without
 *                           it only the op count is
 * @param hardware           what {@code AUTO} plans for; {@code null}: built from the configuration
 *                           ({@link TeraioSession#hardwareOf})
 * @param source             what a recorded trace says it comes from; {@code null}: the session's own
 * @param memoryTimeoutNanos how long an allocation waits for device memory being freed before it fails
 */
public record SessionOptions(SessionMode mode, int warmup, int iterations, Plan plan, Trace profile,
                             HardwareProfile hardware, TraceSource source, long memoryTimeoutNanos) {
    /** The default {@link #memoryTimeoutNanos}: one minute. */
    public static final long DEFAULT_MEMORY_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(1);

    public SessionOptions {
        Objects.requireNonNull(mode, "mode");
        if (warmup < 0) {
            throw new IllegalArgumentException("session options: warmup must not be negative, got " + warmup);
        }
        boolean profiles = mode == SessionMode.PROFILE || mode == SessionMode.AUTO;
        if (profiles && iterations < 1) {
            throw new IllegalArgumentException("session options: " + mode.name().toLowerCase(Locale.ROOT)
                    + " mode profiles at least 1 iteration, got " + iterations);
        }
        if (mode == SessionMode.OFFLOAD && plan == null) {
            throw new IllegalArgumentException("session options: offload mode needs a plan");
        }
        if (mode != SessionMode.OFFLOAD && (plan != null || profile != null)) {
            throw new IllegalArgumentException("session options: a plan (and its profile) is only for offload mode, not "
                    + mode.name().toLowerCase(Locale.ROOT));
        }
        if (memoryTimeoutNanos <= 0) {
            throw new IllegalArgumentException("session options: memoryTimeoutNanos must be positive, got "
                    + memoryTimeoutNanos);
        }
    }

    /** Nothing recorded or planned. */
    public static SessionOptions off() {
        return new SessionOptions(SessionMode.OFF, 0, 0, null, null, null, null, DEFAULT_MEMORY_TIMEOUT_NANOS);
    }

    /** Records {@code iterations} iterations after {@code warmup} ones. */
    public static SessionOptions profile(int warmup, int iterations) {
        return new SessionOptions(SessionMode.PROFILE, warmup, iterations, null, null, null, null,
                DEFAULT_MEMORY_TIMEOUT_NANOS);
    }

    /** Applies {@code plan} from the first iteration; {@code profile} (may be null) is the trace it was made from. */
    public static SessionOptions offload(Plan plan, Trace profile) {
        return new SessionOptions(SessionMode.OFFLOAD, 0, 0, plan, profile, null, null, DEFAULT_MEMORY_TIMEOUT_NANOS);
    }

    /** Profiles {@code iterations} iterations after {@code warmup}, plans, and applies the plan after them. */
    public static SessionOptions auto(int warmup, int iterations) {
        return new SessionOptions(SessionMode.AUTO, warmup, iterations, null, null, null, null,
                DEFAULT_MEMORY_TIMEOUT_NANOS);
    }

    /** A copy that plans for {@code newHardware} instead of the hardware built from the configuration. */
    public SessionOptions withHardware(HardwareProfile newHardware) {
        return new SessionOptions(mode, warmup, iterations, plan, profile, newHardware, source, memoryTimeoutNanos);
    }

    /** A copy whose recorded trace names {@code newSource}. */
    public SessionOptions withSource(TraceSource newSource) {
        return new SessionOptions(mode, warmup, iterations, plan, profile, hardware, newSource, memoryTimeoutNanos);
    }

    /** A copy whose allocations wait at most {@code nanos} for device memory. */
    public SessionOptions withMemoryTimeout(long nanos) {
        return new SessionOptions(mode, warmup, iterations, plan, profile, hardware, source, nanos);
    }
}
