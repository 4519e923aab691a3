package io.teraio.core.engine;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * How a {@link PlanRuntime} learns whether bytes fit in device memory: before it issues a
 * prefetch (with the bytes the op allocates), before an op runs (its allocations) and before
 * it fetches a tensor on a miss. What does not fit waits while offload writes in flight can
 * still free memory; a prefetch that still does not fit stays queued for a later op.
 */
public interface MemoryRule {
    /** Whether {@code bytes} more fit now. */
    boolean fits(long bytes);

    /**
     * Whether a prefetch of a tensor of {@code tensorBytes} fits now beside {@code otherBytes}
     * more (the op's allocations); a rule whose memory can land the tensor in memory it already
     * counts (the agent's kept blocks) says so here. By default {@link #fits} of their sum.
     */
    default boolean fitsPrefetch(long tensorBytes, long otherBytes) {
        return fits(tensorBytes + otherBytes);
    }

    /** Whether offload writes in flight hold memory that their confirmation will free. */
    boolean writesInFlight();

    /**
     * The engine's {@link io.teraio.core.storage.DeviceMemory} holds every byte and enforces
     * its capacity itself: a prefetch's reservation waits, in order, until its bytes fit (as
     * the simulator's reservations do) and an allocation waits in
     * {@link io.teraio.core.storage.DeviceMemory#allocate}, so the runtime holds nothing back.
     * The embedding API and {@code teraio replay} use it.
     */
    static MemoryRule deviceMemory() {
        return DeviceMemoryRule.INSTANCE;
    }

    /**
     * A budget over memory that the engine holds only part of (the agent: arrays the
     * framework allocates, beside the engine's staging buffers): {@code bytes} fit when
     * {@code usedBytes} plus them are at most {@code budgetBytes}.
     */
    static MemoryRule budget(long budgetBytes, LongSupplier usedBytes, BooleanSupplier writesInFlight) {
        return new MemoryRule() {
            @Override
            public boolean fits(long bytes) {
                return usedBytes.getAsLong() + bytes <= budgetBytes;
            }

            @Override
            public boolean writesInFlight() {
                return writesInFlight.getAsBoolean();
            }
        };
    }
}

/** {@link MemoryRule#deviceMemory()}. */
enum DeviceMemoryRule implements MemoryRule {
    INSTANCE;

    @Override
    public boolean fits(long bytes) {
        return true;
    }

    @Override
    public boolean writesInFlight() {
        return false;
    }
}
