package io.teraio.core.engine;

import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.HostDeviceMemory;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Device memory whose buffers are not host-addressable ({@link DeviceBuffer#hostView} is
 * null), as CUDA memory is: every task goes through the engine's bounce buffers.
 */
final class OpaqueDeviceMemory implements DeviceMemory {
    private final HostDeviceMemory inner;

    OpaqueDeviceMemory(long capacityBytes) {
        this.inner = new HostDeviceMemory(capacityBytes);
    }

    @Override
    public String name() {
        return "opaque";
    }

    @Override
    public long capacityBytes() {
        return inner.capacityBytes();
    }

    @Override
    public long usedBytes() {
        return inner.usedBytes();
    }

    @Override
    public long peakUsedBytes() {
        return inner.peakUsedBytes();
    }

    @Override
    public DeviceBuffer tryAllocate(long bytes) {
        DeviceBuffer b = inner.tryAllocate(bytes);
        return b == null ? null : new Opaque(b);
    }

    @Override
    public DeviceBuffer allocate(long bytes, long timeoutNanos) throws InterruptedException {
        return new Opaque(inner.allocate(bytes, timeoutNanos));
    }

    @Override
    public CompletableFuture<DeviceBuffer> reserve(long bytes) {
        return inner.reserve(bytes).thenApply(Opaque::new);
    }

    @Override
    public void close() {
        inner.close();
    }

    private record Opaque(DeviceBuffer inner) implements DeviceBuffer {
        @Override
        public long bytes() {
            return inner.bytes();
        }

        @Override
        public ByteBuffer hostView(long offset, int length) {
            return null;
        }

        @Override
        public void copyToHost(long offset, ByteBuffer dst) {
            inner.copyToHost(offset, dst);
        }

        @Override
        public void copyFromHost(long offset, ByteBuffer src) {
            inner.copyFromHost(offset, src);
        }

        @Override
        public boolean isClosed() {
            return inner.isClosed();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
