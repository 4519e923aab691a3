package io.teraio.gds;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.BudgetedDeviceMemory;
import io.teraio.core.storage.OutOfDeviceMemoryException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.Pointer;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;

/**
 * {@link io.teraio.core.storage.DeviceMemory} in CUDA memory of one device, through JCuda:
 * {@code cudaMalloc}'ed buffers under a capacity the budget enforces, copies to and from host memory
 * as {@code cudaMemcpyAsync} on the calling thread's per-thread stream (so the engine's
 * workers copy concurrently), waited for before they return. Buffers have no host view: the
 * engine moves them through a backend that {@link io.teraio.core.storage.StorageBackend#movesDirectly
 * moves device memory} ({@link GdsStorageBackend}) or through copies. Thread-safe; an
 * idempotent {@link AutoCloseable}.
 */
public final class CudaDeviceMemory extends BudgetedDeviceMemory {
    private final int device;

    /**
     * @param device        the CUDA device
     * @param capacityBytes the most bytes live buffers may hold (positive)
     * @throws TeraioException naming the reason when the device cannot be used
     */
    public CudaDeviceMemory(int device, long capacityBytes) {
        super("cuda", capacityBytes);
        io.teraio.core.storage.Availability a = Cuda.availability(device);
        if (!a.available()) {
            throw new TeraioException("CUDA device memory on device " + device + ": " + a.reason());
        }
        this.device = device;
        Cuda.use(device);
    }

    public int device() {
        return device;
    }

    /**
     * The device address of {@code buffer}'s first byte, for kernels of one's own that take
     * device pointers (the JCuda driver API's {@code cuLaunchKernel}).
     *
     * @throws IllegalArgumentException when {@code buffer} is not a buffer of a {@code CudaDeviceMemory}
     * @throws IllegalStateException    when it is closed
     */
    public static long deviceAddress(DeviceBuffer buffer) {
        if (!(buffer instanceof CudaBuffer b)) {
            throw new IllegalArgumentException(buffer + " is not in CUDA device memory (memory=cuda)");
        }
        return b.address();
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** Fails waiting reservations; live buffers stay usable until their owners close them. Idempotent. */
    @Override
    public void close() {
        budget.close();
    }

    @Override
    public String toString() {
        return "CUDA device memory on device " + device + " (" + Units.formatBytes(usedBytes()) + " of "
                + Units.formatBytes(capacityBytes()) + " used)";
    }

    /** {@code cudaMemGetInfo} on this memory's device: total minus free; -1 when it cannot be asked. */
    @Override
    public long deviceUsedBytes() {
        long[] free = new long[1];
        long[] total = new long[1];
        try {
            Cuda.use(device);
            return JCuda.cudaMemGetInfo(free, total) == 0 ? total[0] - free[0] : -1;
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** cudaMalloc for bytes already taken from the budget; gives them back if it fails. */
    @Override
    protected DeviceBuffer newBuffer(long bytes) {
        Pointer pointer = new Pointer();
        int code;
        try {
            Cuda.use(device);
            code = JCuda.cudaMalloc(pointer, bytes);
        } catch (RuntimeException | LinkageError e) {
            budget.give(bytes);
            throw new TeraioException("cudaMalloc of " + bytes + " bytes on device " + device + " failed: " + e, e);
        }
        if (code != 0) {
            budget.give(bytes);
            throw new OutOfDeviceMemoryException("cudaMalloc of " + Units.formatBytes(bytes) + " on device " + device
                    + " failed with " + Cuda.describe(code) + " (" + Units.formatBytes(usedBytes()) + " of "
                    + Units.formatBytes(capacityBytes()) + " taken by teraio)");
        }
        return new CudaBuffer(pointer, bytes);
    }

    /** One cudaMalloc'ed buffer of this memory. */
    final class CudaBuffer implements DeviceBuffer {
        private final Pointer pointer;
        private final long address;
        private final long bytes;
        private final AtomicBoolean closed = new AtomicBoolean();

        CudaBuffer(Pointer pointer, long bytes) {
            this.pointer = pointer;
            this.address = Cuda.address(pointer);
            this.bytes = bytes;
        }

        /** The device address of the first byte. */
        long address() {
            checkOpen();
            return address;
        }

        int device() {
            return device;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        /** Always null: CUDA memory is not host-addressable. */
        @Override
        public ByteBuffer hostView(long offset, int length) {
            checkOpen();
            return null;
        }

        @Override
        public void copyToHost(long offset, ByteBuffer dst) {
            copy(offset, dst, cudaMemcpyKind.cudaMemcpyDeviceToHost);
        }

        @Override
        public void copyFromHost(long offset, ByteBuffer src) {
            copy(offset, src, cudaMemcpyKind.cudaMemcpyHostToDevice);
        }

        private void copy(long offset, ByteBuffer host, int kind) {
            checkOpen();
            int n = host.remaining();
            if (offset < 0 || offset > bytes - n) {
                throw new IndexOutOfBoundsException("copy of " + n + " bytes at offset " + offset + " of a CUDA buffer of "
                        + bytes + " bytes");
            }
            if (n == 0) {
                return;
            }
            Pointer devicePointer = pointer.withByteOffset(offset);
            boolean toHost = kind == cudaMemcpyKind.cudaMemcpyDeviceToHost;
            String what = "cudaMemcpy" + (host.isDirect() ? "Async" : "") + " of " + n + " bytes "
                    + (toHost ? "device to host" : "host to device") + " at offset " + offset + " on device " + device;
            Cuda.use(device);
            if (host.isDirect()) {
                // native memory: asynchronous on this thread's stream, then waited for
                Pointer hostPointer = Pointer.to(host.slice());
                Cuda.check(toHost ? JCuda.cudaMemcpyAsync(hostPointer, devicePointer, n, kind, JCuda.cudaStreamPerThread)
                        : JCuda.cudaMemcpyAsync(devicePointer, hostPointer, n, kind, JCuda.cudaStreamPerThread), what);
                Cuda.check(JCuda.cudaStreamSynchronize(JCuda.cudaStreamPerThread), "cudaStreamSynchronize after " + what);
            } else {
                // a Java array: JCuda copies it synchronously only
                Pointer hostPointer = Pointer.to(host.array()).withByteOffset(host.arrayOffset() + host.position());
                Cuda.check(toHost ? JCuda.cudaMemcpy(hostPointer, devicePointer, n, kind)
                        : JCuda.cudaMemcpy(devicePointer, hostPointer, n, kind), what);
            }
            host.position(host.position() + n);
        }

        @Override
        public boolean isClosed() {
            return closed.get();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                try {
                    Cuda.use(device);
                    Cuda.check(JCuda.cudaFree(pointer), "cudaFree of " + bytes + " bytes on device " + device);
                } finally {
                    budget.give(bytes);
                }
            }
        }

        private void checkOpen() {
            if (closed.get()) {
                throw new IllegalStateException("CUDA buffer of " + bytes + " bytes used after close");
            }
        }

        @Override
        public String toString() {
            return "CUDA buffer of " + bytes + " bytes on device " + device;
        }
    }
}
