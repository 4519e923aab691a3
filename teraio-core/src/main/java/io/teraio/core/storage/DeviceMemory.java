package io.teraio.core.storage;

import java.util.concurrent.CompletableFuture;

/**
 * The memory tensors live in while resident: off-heap host memory for CPU training and tests
 * ({@link HostDeviceMemory}), CUDA memory with the GDS bridge. An SPI with a capacity that it
 * enforces: the bytes of live {@link DeviceBuffer}s never exceed {@link #capacityBytes()}.
 *
 * <p>Two ways to wait for memory: the compute side {@link #allocate(long, long) allocates},
 * blocking until the bytes fit; prefetches {@link #reserve(long) reserve}, served in the order
 * they asked once the bytes fit. A blocked allocation goes before waiting reservations, so a
 * prefetch never holds up the op that runs now. Thread-safe; an idempotent
 * {@link AutoCloseable}.
 */
public interface DeviceMemory extends AutoCloseable {
    /** The implementation's name as in configuration and reports: {@code host}, {@code cuda}. */
    String name();

    /** The most bytes live buffers may hold. */
    long capacityBytes();

    /** The bytes live buffers hold now. */
    long usedBytes();

    /** The most bytes live buffers held at once since this memory was opened. */
    long peakUsedBytes();

    /**
     * The bytes the device itself reports in use now, as its own instrument counts them (CUDA:
     * {@code cudaMemGetInfo}'s total minus free, every allocation on the device included, not
     * only this memory's), or -1 where the memory is not a device's ({@code host}: the process's
     * resident bytes are the measure there, {@link io.teraio.core.internal.ProcessMemory}).
     */
    default long deviceUsedBytes() {
        return -1;
    }

    /**
     * The most of this memory the system has given it, as the system counts it, or -1 where
     * it cannot tell: for {@code host} memory with an arena, the arena's pages in RAM
     * ({@link HostDeviceMemory#residentArenaBytes}); a measure of this memory alone, where the
     * process's resident bytes count everything in the process.
     */
    default long systemPeakBytes() {
        return -1;
    }

    /** Allocates {@code bytes} now if they fit, else returns {@code null}. */
    DeviceBuffer tryAllocate(long bytes);

    /**
     * Allocates {@code bytes}, waiting up to {@code timeoutNanos} for other buffers to be
     * freed.
     *
     * @throws OutOfDeviceMemoryException at once if {@code bytes} exceeds the capacity, or
     *                                    when the wait times out (naming the bytes asked,
     *                                    used and the capacity)
     * @throws InterruptedException       if interrupted while waiting
     */
    DeviceBuffer allocate(long bytes, long timeoutNanos) throws InterruptedException;

    /**
     * A buffer of {@code bytes} once they fit, after the reservations asked before it.
     * Fails with {@link OutOfDeviceMemoryException} at once if {@code bytes} exceeds the
     * capacity; cancelling the future withdraws the reservation (a buffer already handed out
     * is freed).
     */
    CompletableFuture<DeviceBuffer> reserve(long bytes);

    /** Frees nothing that is live (the owners free their buffers); fails waiting reservations; idempotent. */
    @Override
    void close();
}
