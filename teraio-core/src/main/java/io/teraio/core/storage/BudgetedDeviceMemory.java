package io.teraio.core.storage;

import java.util.concurrent.CompletableFuture;

/**
 * The part of a {@link DeviceMemory} that is the same for every kind of memory: the capacity
 * kept by a {@link MemoryBudget}, blocking allocations, and FIFO reservations completed on
 * the thread that freed the memory they waited for. A subclass makes the buffers
 * ({@link #newBuffer}) and gives their bytes back to {@link #budget} when they are freed.
 */
public abstract class BudgetedDeviceMemory implements DeviceMemory {
    /** The capacity and the bytes taken; subclasses give bytes back when a buffer is freed. */
    protected final MemoryBudget budget;

    /**
     * @param name          the memory's name for messages ({@code host}, {@code cuda})
     * @param capacityBytes the most bytes live buffers may hold (positive)
     */
    protected BudgetedDeviceMemory(String name, long capacityBytes) {
        this.budget = new MemoryBudget(name, capacityBytes);
    }

    /**
     * Makes a buffer of {@code bytes} that have already been taken from {@link #budget}; gives
     * them back before throwing when it cannot.
     */
    protected abstract DeviceBuffer newBuffer(long bytes);

    @Override
    public long capacityBytes() {
        return budget.capacity();
    }

    @Override
    public long usedBytes() {
        return budget.used();
    }

    @Override
    public long peakUsedBytes() {
        return budget.peak();
    }

    @Override
    public DeviceBuffer tryAllocate(long bytes) {
        checkBytes(bytes);
        return budget.tryTake(bytes) ? newBuffer(bytes) : null;
    }

    @Override
    public DeviceBuffer allocate(long bytes, long timeoutNanos) throws InterruptedException {
        checkBytes(bytes);
        budget.take(bytes, timeoutNanos);
        return newBuffer(bytes);
    }

    @Override
    public CompletableFuture<DeviceBuffer> reserve(long bytes) {
        checkBytes(bytes);
        CompletableFuture<Void> taken = budget.reserve(bytes);
        CompletableFuture<DeviceBuffer> result = new CompletableFuture<>();
        taken.whenComplete((v, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            if (result.isDone()) {
                budget.give(bytes); // cancelled between the bytes being taken and now
                return;
            }
            DeviceBuffer buffer;
            try {
                buffer = newBuffer(bytes);
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
                return;
            }
            if (!result.complete(buffer)) {
                buffer.close(); // cancelled while the buffer was made
            }
        });
        result.whenComplete((buffer, failure) -> {
            if (failure != null) {
                taken.cancel(false); // withdraws a waiting reservation; no-op once served
            }
        });
        return result;
    }

    private void checkBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device memory (" + budget.name() + "): bytes " + bytes
                    + " must be positive");
        }
    }
}
