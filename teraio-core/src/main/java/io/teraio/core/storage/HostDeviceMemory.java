package io.teraio.core.storage;

import io.teraio.core.Units;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link DeviceMemory} in off-heap host memory ({@code host}): for CPU training and every
 * test. Buffers are {@link NativeBlock}s (4096-aligned, so O_DIRECT reads and writes go
 * straight into them); their bytes are accounted in a {@link MemoryBudget} of the capacity
 * ({@code deviceMemory}). A reservation is completed on the thread that freed the memory it
 * waited for. Thread-safe; {@link #close()} is idempotent, fails waiting reservations and
 * leaves live buffers to their owners (they stay usable and give their bytes back on close).
 */
public final class HostDeviceMemory implements DeviceMemory {
    private final MemoryBudget budget;

    /** @param capacityBytes the most bytes live buffers may hold (positive) */
    public HostDeviceMemory(long capacityBytes) {
        this.budget = new MemoryBudget("host", capacityBytes);
    }

    @Override
    public String name() {
        return "host";
    }

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

    /** Makes the buffer for bytes already taken; gives them back if that fails. */
    private DeviceBuffer newBuffer(long bytes) {
        NativeBlock block;
        try {
            block = NativeBlock.allocate(bytes);
        } catch (RuntimeException | Error e) {
            budget.give(bytes);
            throw e;
        }
        return new HostBuffer(block);
    }

    private static void checkBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device memory (host): bytes " + bytes + " must be positive");
        }
    }

    /** Fails waiting reservations; live buffers stay with their owners. Idempotent. */
    @Override
    public void close() {
        budget.close();
    }

    @Override
    public String toString() {
        return budget.toString();
    }

    private final class HostBuffer implements DeviceBuffer {
        private final NativeBlock block;
        private final AtomicBoolean closed = new AtomicBoolean();

        HostBuffer(NativeBlock block) {
            this.block = block;
        }

        @Override
        public long bytes() {
            return block.bytes();
        }

        @Override
        public ByteBuffer hostView(long offset, int length) {
            checkOpen();
            return block.view(offset, length);
        }

        @Override
        public void copyToHost(long offset, ByteBuffer dst) {
            checkOpen();
            block.copyTo(offset, dst);
        }

        @Override
        public void copyFromHost(long offset, ByteBuffer src) {
            checkOpen();
            block.copyFrom(offset, src);
        }

        @Override
        public boolean isClosed() {
            return closed.get();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                block.close();
                budget.give(block.bytes());
            }
        }

        private void checkOpen() {
            if (closed.get()) {
                throw new IllegalStateException("device buffer of " + Units.formatBytes(block.bytes())
                        + " (host) used after close");
            }
        }

        @Override
        public String toString() {
            return "host device buffer of " + Units.formatBytes(block.bytes());
        }
    }
}
