package io.teraio.gds;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.Pointer;
import jcuda.runtime.JCuda;

/**
 * Page-locked host memory ({@code cudaHostAlloc}, page-aligned, so usable for O_DIRECT too):
 * the bounce buffer the GDS backend stages device bytes in when cuFile is missing. Copies
 * between it and CUDA memory run at the link's full speed. An idempotent {@link AutoCloseable}.
 */
final class PinnedBuffer implements AutoCloseable {
    private final Pointer pointer = new Pointer();
    private final long bytes;
    private final ByteBuffer view;
    private final AtomicBoolean closed = new AtomicBoolean();

    PinnedBuffer(int device, long bytes) {
        Cuda.use(device);
        Cuda.check(JCuda.cudaHostAlloc(pointer, bytes, JCuda.cudaHostAllocPortable), "cudaHostAlloc of " + bytes
                + " pinned bytes");
        this.bytes = bytes;
        this.view = pointer.getByteBuffer(0, bytes);
    }

    long bytes() {
        return bytes;
    }

    /** A direct buffer over {@code [0, length)}. */
    ByteBuffer view(int length) {
        if (closed.get()) {
            throw new IllegalStateException("pinned buffer used after close");
        }
        return view.duplicate().position(0).limit(length).slice();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Cuda.check(JCuda.cudaFreeHost(pointer), "cudaFreeHost of " + bytes + " pinned bytes");
        }
    }
}
