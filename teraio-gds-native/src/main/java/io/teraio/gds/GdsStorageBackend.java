package io.teraio.gds;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.Extent;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One SSD's offload file, moving CUDA memory to and from it. The file, its preallocation and
 * its extents are a {@link PosixStorageBackend}'s; host buffers go through it as O_DIRECT I/O.
 * CUDA buffers ({@link CudaDeviceMemory}) move in one of two modes:
 * <ul>
 *   <li>{@link Mode#CUFILE}: straight between GPU memory and the file with {@code cuFileRead} /
 *       {@code cuFileWrite} on a registered handle of the same file (name {@code gds});</li>
 *   <li>{@link Mode#PINNED}: when cuFile is not available, through pinned host buffers
 *       ({@code cudaHostAlloc}, one task each, {@code io.queueDepth} of them) and O_DIRECT
 *       writes of those buffers (name {@code posix-pinned}).</li>
 * </ul>
 * Thread-safe; an idempotent {@link AutoCloseable}; use after close throws
 * {@link IllegalStateException}.
 */
public final class GdsStorageBackend implements StorageBackend {
    /** How CUDA buffers move. */
    public enum Mode { CUFILE, PINNED }

    private final PosixStorageBackend file;
    private final Mode mode;
    private final CuFileHandle handle;
    private final BlockingQueue<PinnedBuffer> pinned;
    private final List<PinnedBuffer> allPinned = new ArrayList<>();
    private final long pinnedBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Opens SSD {@code ssdId}'s file in {@code run}: with cuFile when {@link Gds} says it is
     * available for {@code config.cufileLibrary()}, else with pinned bounce buffers on
     * {@code config.device()}.
     *
     * @throws TeraioException naming both reasons when neither cuFile nor CUDA can be had
     */
    public static GdsStorageBackend open(RunDirectory run, int ssdId, TeraioConfig config) {
        Availability gds = Gds.availability(config.cufileLibrary());
        if (gds.available()) {
            return new GdsStorageBackend(run, ssdId, config, Mode.CUFILE);
        }
        Availability cuda = Cuda.availability(config.device());
        if (!cuda.available()) {
            throw new TeraioException("gds storage for ssd " + ssdId + ": cuFile is not available (" + gds.reason()
                    + ") and pinned bounce buffers need CUDA, which is not available either (" + cuda.reason() + ")");
        }
        return new GdsStorageBackend(run, ssdId, config, Mode.PINNED);
    }

    /**
     * Opens SSD {@code ssdId}'s file in {@code run} in {@code mode}.
     *
     * @throws GdsException when the file cannot be registered with cuFile
     */
    public GdsStorageBackend(RunDirectory run, int ssdId, TeraioConfig config, Mode mode) {
        this.file = new PosixStorageBackend(run, ssdId, config.preallocateBytes());
        this.mode = mode;
        long task = config.taskSizeBytes();
        this.pinnedBytes = (task + file.alignment() - 1) / file.alignment() * file.alignment();
        try {
            if (mode == Mode.CUFILE) {
                this.handle = new CuFileHandle(file.file());
                this.pinned = null;
            } else {
                this.handle = null;
                this.pinned = new ArrayBlockingQueue<>(config.queueDepth());
                for (int i = 0; i < config.queueDepth(); i++) {
                    PinnedBuffer b = new PinnedBuffer(config.device(), pinnedBytes);
                    allPinned.add(b);
                    pinned.add(b);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public Mode mode() {
        return mode;
    }

    /** {@code gds} with cuFile, {@code posix-pinned} with pinned bounce buffers. */
    @Override
    public String name() {
        return mode == Mode.CUFILE ? "gds" : "posix-pinned";
    }

    @Override
    public String location() {
        return file.location();
    }

    @Override
    public int alignment() {
        return file.alignment();
    }

    @Override
    public Extent allocate(long length) {
        return file.allocate(length);
    }

    @Override
    public void release(Extent extent) {
        file.release(extent);
    }

    /** Host bytes: an O_DIRECT write of the file. */
    @Override
    public long write(Extent extent, long offset, ByteBuffer src) {
        return file.write(extent, offset, src);
    }

    /** Host bytes: an O_DIRECT read of the file. */
    @Override
    public long read(Extent extent, long offset, ByteBuffer dst) {
        return file.read(extent, offset, dst);
    }

    /** CUDA buffers of {@link CudaDeviceMemory}. */
    @Override
    public boolean movesDirectly(DeviceBuffer buffer) {
        return buffer instanceof CudaDeviceMemory.CudaBuffer;
    }

    @Override
    public long writeDevice(Extent extent, long offset, DeviceBuffer src, long bufferOffset, int length) {
        CudaDeviceMemory.CudaBuffer cuda = checkDevice("write", extent, offset, src, bufferOffset, length);
        if (mode == Mode.CUFILE) {
            Cuda.use(cuda.device());
            return handle.write(cuda.address(), length, extent.offset() + offset, bufferOffset);
        }
        PinnedBuffer b = take();
        try {
            int padded = padded(length);
            ByteBuffer staged = b.view(padded);
            cuda.copyToHost(bufferOffset, staged.slice(0, length));
            for (int at = length; at < padded; at++) {
                staged.put(at, (byte) 0);
            }
            file.write(extent, offset, staged);
            return length;
        } finally {
            pinned.add(b);
        }
    }

    @Override
    public long readDevice(Extent extent, long offset, DeviceBuffer dst, long bufferOffset, int length) {
        CudaDeviceMemory.CudaBuffer cuda = checkDevice("read", extent, offset, dst, bufferOffset, length);
        if (mode == Mode.CUFILE) {
            Cuda.use(cuda.device());
            return handle.read(cuda.address(), length, extent.offset() + offset, bufferOffset);
        }
        PinnedBuffer b = take();
        try {
            file.read(extent, offset, b.view(padded(length)));
            cuda.copyFromHost(bufferOffset, b.view(length));
            return length;
        } finally {
            pinned.add(b);
        }
    }

    @Override
    public long allocatedBytes() {
        return file.allocatedBytes();
    }

    /** Deregisters the file from cuFile, frees the pinned buffers, closes the file; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (handle != null) {
                handle.close();
            }
            for (PinnedBuffer b : allPinned) {
                b.close();
            }
        } finally {
            file.close();
        }
    }

    @Override
    public String toString() {
        return name() + " storage " + location();
    }

    private int padded(int length) {
        int a = file.alignment();
        return (length + a - 1) / a * a;
    }

    private PinnedBuffer take() {
        try {
            return pinned.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TeraioException("waiting for a pinned bounce buffer of " + location() + " was interrupted", e);
        }
    }

    private CudaDeviceMemory.CudaBuffer checkDevice(String op, Extent extent, long offset, DeviceBuffer buffer,
                                                    long bufferOffset, int length) {
        if (closed.get()) {
            throw new IllegalStateException(name() + " storage " + location() + " used after close");
        }
        if (!(buffer instanceof CudaDeviceMemory.CudaBuffer cuda)) {
            throw new UnsupportedOperationException(op + " of " + buffer + ": " + name()
                    + " storage moves CUDA buffers only; host buffers go through write and read");
        }
        if (length <= 0 || offset < 0 || offset > extent.length() - padded(length) || bufferOffset < 0
                || bufferOffset > cuda.bytes() - length || length > pinnedBytes && mode == Mode.PINNED) {
            throw new IllegalArgumentException(op + " of " + length + " bytes at offset " + offset + " of " + extent
                    + " in " + location() + " from buffer offset " + bufferOffset + " of " + cuda
                    + ": outside the extent or the buffer, or over a task (" + pinnedBytes + " bytes)");
        }
        return cuda;
    }
}
