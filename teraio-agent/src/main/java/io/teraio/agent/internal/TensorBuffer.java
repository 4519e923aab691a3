package io.teraio.agent.internal;

import io.teraio.core.Units;
import io.teraio.core.storage.DeviceBuffer;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * A native tensor taken out of its DJL array, as the buffer an offload writes from: the
 * engine reads the tensor's own memory (through its {@code io.stagingBuffers} staging buffers,
 * the tensor not being 4 KiB-aligned), so nothing is copied whole. Closing it, which the engine
 * does once the write is confirmed, deletes the native tensor: that is when its memory leaves
 * the process. {@link #takeHandle} gives the tensor back instead (the array was used again
 * before the offload ended). Thread-safe: the engine closes it on an I/O thread.
 */
final class TensorBuffer implements DeviceBuffer {
    private final ByteBuffer data;
    private final LongConsumer delete;
    private final Runnable closed;
    private final AtomicBoolean isClosed = new AtomicBoolean();
    /** The native tensor, or 0 once given back or deleted. */
    private long handle;

    /**
     * @param handle the native tensor, no longer any array's
     * @param data   a direct view of its bytes
     * @param delete deletes a native tensor
     * @param closed run once, when this buffer is closed
     */
    TensorBuffer(long handle, ByteBuffer data, LongConsumer delete, Runnable closed) {
        this.handle = handle;
        this.data = data;
        this.delete = delete;
        this.closed = closed;
    }

    /** The native tensor, for its array again: closing no longer deletes it. */
    synchronized long takeHandle() {
        if (handle == 0) {
            throw new IllegalStateException("tensor buffer of " + Units.formatBytes(bytes()) + ": its tensor was"
                    + " already deleted or taken back");
        }
        long h = handle;
        handle = 0;
        return h;
    }

    @Override
    public long bytes() {
        return data.capacity();
    }

    @Override
    public ByteBuffer hostView(long offset, int length) {
        checkRange(offset, length);
        return data.slice((int) offset, length);
    }

    @Override
    public void copyToHost(long offset, ByteBuffer dst) {
        checkRange(offset, dst.remaining());
        dst.put(data.slice((int) offset, dst.remaining()));
    }

    @Override
    public void copyFromHost(long offset, ByteBuffer src) {
        checkRange(offset, src.remaining());
        data.slice((int) offset, src.remaining()).put(src);
    }

    @Override
    public boolean isClosed() {
        return isClosed.get();
    }

    @Override
    public void close() {
        if (!isClosed.compareAndSet(false, true)) {
            return;
        }
        long h;
        synchronized (this) {
            h = handle;
            handle = 0;
        }
        try {
            if (h != 0) {
                delete.accept(h);
            }
        } finally {
            closed.run();
        }
    }

    private void checkRange(long offset, long length) {
        if (isClosed.get()) {
            throw new IllegalStateException("tensor buffer of " + Units.formatBytes(bytes()) + " used after close");
        }
        if (offset < 0 || length < 0 || offset + length > bytes()) {
            throw new IndexOutOfBoundsException("[" + offset + ", " + (offset + length) + ") of a tensor buffer of "
                    + bytes() + " bytes");
        }
    }

    @Override
    public String toString() {
        return "native tensor of " + Units.formatBytes(bytes());
    }
}
