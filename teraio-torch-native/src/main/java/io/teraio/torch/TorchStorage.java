package io.teraio.torch;

import io.teraio.core.Units;
import io.teraio.core.storage.DeviceBuffer;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * One PyTorch storage (the memory a tensor and all its views share), opened through
 * {@link TorchBridge#storage}, whose memory can be freed in place and given back while every
 * tensor, DJL array and autograd node that holds it keeps holding it. As a
 * {@link DeviceBuffer} it streams its bytes to and from the caller's direct buffers (the I/O
 * engine's task-size staging buffers), so no copy of its whole size is ever made; memory
 * {@link #allocate()} gave it is 4 KiB-aligned, and {@link #hostView} then gives the I/O
 * engine a view of it, which O_DIRECT reads and writes with no staging copy at all.
 *
 * <p>Its life: {@link State#RESIDENT} (bytes readable with {@link #copyToHost}) →
 * {@link #release()} → {@link State#EVICTED} (no memory) → {@link #allocate()} →
 * {@link State#RESTORING} (new memory, written with {@link #copyFromHost}) →
 * {@link #restored()} → {@link State#RESIDENT}. Each step refuses the wrong state, so a
 * storage cannot be evicted twice or filled while resident.
 *
 * <p><b>The contract the caller keeps:</b> between {@link #release()} and {@link #restored()}
 * no PyTorch kernel and no Java view ({@code toByteBuffer}) may touch the storage. Backward
 * reports "data is not allocated yet" for such a use, but a forward kernel reading it can
 * crash the JVM (SIGSEGV). Evict on the training thread between native calls, and restore
 * before the next use.
 *
 * <p>The handle holds a weak reference: it keeps neither the memory nor the storage alive
 * (when every tensor of it is freed, calls fail with "the storage was freed"), and while it is
 * open the storage's {@link #key()} is not reused. {@link #close()} drops the handle only; it
 * frees nothing of PyTorch's, and a storage closed while evicted stays evicted. Copies may run
 * on several threads at once; state changes wait for them.
 */
public final class TorchStorage implements DeviceBuffer {
    /** Where a storage's bytes are. */
    public enum State {
        /** In memory; the tensor can be used. */
        RESIDENT,
        /** Freed; its bytes are wherever the caller put them. */
        EVICTED,
        /** Memory allocated again, bytes being copied back; not yet usable. */
        RESTORING
    }

    private final TorchBridge bridge;
    private final long key;
    private final long bytes;
    private final String notEvictable;
    private final String name;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** The native weak reference; 0 once closed. Guarded by {@link #lock}. */
    private long handle;
    private State state = State.RESIDENT;
    /** A view of its memory when 4 KiB-aligned; null when not (or not known yet, {@link #viewKnown}). */
    private volatile ByteBuffer aligned;
    private volatile boolean viewKnown;

    TorchStorage(TorchBridge bridge, long handle, long key, long bytes, String notEvictable, String name) {
        this.bridge = bridge;
        this.handle = handle;
        this.key = key;
        this.bytes = bytes;
        this.notEvictable = notEvictable;
        this.name = name;
    }

    /** Identifies the storage while this handle is open: arrays that are views of one another have the same key. */
    public long key() {
        return key;
    }

    /** The storage's size when resident: the bytes an eviction frees and moves. */
    @Override
    public long bytes() {
        return bytes;
    }

    /** Whether {@link #release()} can free it (a CPU storage with an allocator, that is an op's output). */
    public boolean evictable() {
        return notEvictable == null;
    }

    /** Why it cannot be evicted, or null when it can. */
    public String whyNotEvictable() {
        return notEvictable;
    }

    public State state() {
        lock.readLock().lock();
        try {
            return state;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * A view of {@code [offset, offset + length)} of the storage's memory when that memory is
     * what {@link #allocate()} gave it (4 KiB-aligned), so that the I/O engine reads and writes it
     * straight; null otherwise (the engine then copies through its staging buffers: PyTorch's own
     * memory could be freed under a view), and while evicted. Use it only under a {@link #pin}.
     */
    @Override
    public ByteBuffer hostView(long offset, int length) {
        lock.readLock().lock();
        try {
            if (handle == 0 || state == State.EVICTED) {
                return null;
            }
            if (!viewKnown) {
                aligned = TorchNative.alignedView0(handle); // once per allocation (a race repeats it, harmlessly)
                viewKnown = true;
            }
            ByteBuffer view = aligned;
            if (view == null || offset < 0 || length < 0 || offset > view.capacity() - length) {
                return null;
            }
            return view.slice((int) offset, length);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Copies {@code [offset, offset + dst.remaining())} of the resident storage into {@code dst} (direct). */
    @Override
    public void copyToHost(long offset, ByteBuffer dst) {
        copy(offset, dst, true);
    }

    /** Copies {@code src} (direct) into {@code [offset, offset + src.remaining())} of the restoring storage. */
    @Override
    public void copyFromHost(long offset, ByteBuffer src) {
        copy(offset, src, false);
    }

    private void copy(long offset, ByteBuffer buffer, boolean out) {
        int length = buffer.remaining();
        // the words are built only for a failure: this runs for every task of every move
        Supplier<String> op = () -> (out ? "copy out " : "copy in ") + "[" + offset + ", " + (offset + length)
                + ") of " + this;
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException(op.get() + ": the buffer is not direct");
        }
        if (out && buffer.isReadOnly()) {
            throw new IllegalArgumentException(op.get() + ": the buffer is read-only");
        }
        if (offset < 0 || offset > bytes - length) {
            throw new IndexOutOfBoundsException(op.get() + ": outside its " + bytes + " bytes");
        }
        lock.readLock().lock();
        try {
            checkOpen(op);
            State wanted = out ? State.RESIDENT : State.RESTORING;
            if (state != wanted) {
                throw new IllegalStateException(op.get() + ": it is " + state + ", not " + wanted);
            }
            TorchErrors.check(TorchNative.copy0(handle, offset, buffer, buffer.position(), length, out), op);
        } finally {
            lock.readLock().unlock();
        }
        buffer.position(buffer.position() + length);
    }

    /**
     * Frees the storage's memory in place (its bytes must have been copied out first).
     *
     * @return the bytes freed
     * @throws TorchBridgeException  when it is not evictable or libtorch refused
     * @throws IllegalStateException when it is not resident or the handle is closed
     */
    public long release() {
        return release(null);
    }

    /**
     * Frees the storage's memory in place (its bytes must have been copied out first), giving
     * memory that {@link #allocate(PageBlocks)} gave it to {@code blocks} (when not null)
     * instead of to the system.
     *
     * @return the storage's bytes
     * @throws TorchBridgeException  when it is not evictable or libtorch refused
     * @throws IllegalStateException when it is not resident or the handle is closed
     */
    public long release(PageBlocks blocks) {
        lock.writeLock().lock();
        try {
            Supplier<String> op = () -> "evict " + this;
            checkOpen(op);
            if (notEvictable != null) {
                throw new TorchBridgeException(op.get() + ": " + notEvictable);
            }
            if (state != State.RESIDENT) {
                throw new IllegalStateException(op.get() + ": it is " + state + ", not RESIDENT (evicted twice?)");
            }
            long[] now = new long[2];
            TorchErrors.check(TorchNative.state0(handle, now), op);
            if (now[1] != bytes) {
                throw new TorchBridgeException(op.get() + ": PyTorch resized it to " + now[1] + " bytes since the handle"
                        + " was opened; its bytes were not all copied out (close this handle and open a new one)");
            }
            long block = TorchErrors.check(TorchNative.release0(handle, blocks != null), op);
            state = State.EVICTED;
            aligned = null;
            viewKnown = true;
            if (block != 0) {
                blocks.give(PageBlocks.capacity(bytes), block);
            }
            return bytes;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Gives the evicted storage new memory of its size, 4 KiB-aligned (malloc's, freed with the
     * storage as PyTorch frees any memory, by the pointer's own deleter); fill it with
     * {@link #copyFromHost} or through {@link #hostView}.
     */
    public void allocate() {
        allocate(null);
    }

    /**
     * Gives the evicted storage memory of its size, 4 KiB-aligned: a block {@code blocks} kept for
     * its size when there is one, else new memory (malloc's); freed with the storage as PyTorch
     * frees any memory, by the pointer's own deleter. Fill it with {@link #copyFromHost} or
     * through {@link #hostView}: a kept block holds another storage's old bytes.
     */
    public void allocate(PageBlocks blocks) {
        lock.writeLock().lock();
        try {
            Supplier<String> op = () -> "allocate " + this;
            checkOpen(op);
            if (state != State.EVICTED) {
                throw new IllegalStateException(op.get() + ": it is " + state + ", not EVICTED");
            }
            long block = blocks == null ? 0 : blocks.take(bytes);
            try {
                TorchErrors.check(TorchNative.allocate0(handle, bytes, block), op);
            } catch (RuntimeException e) {
                if (block != 0) {
                    blocks.give(PageBlocks.capacity(bytes), block);
                }
                throw e;
            }
            state = State.RESTORING;
            aligned = TorchNative.alignedView0(handle);
            viewKnown = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Marks the storage resident again once every byte is back: its tensors may be used from now on. */
    public void restored() {
        lock.writeLock().lock();
        try {
            checkOpen(() -> "restore " + this);
            if (state != State.RESTORING) {
                throw new IllegalStateException("restore " + this + ": it is " + state + ", not RESTORING");
            }
            state = State.RESIDENT;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Pins the storage's memory for I/O through {@link #hostView}: while pinned, memory that
     * {@link #allocate} gave it is not freed, whatever frees the storage's tensors or evicts it
     * (the free waits for the last {@link #unpin}), so a read or write in flight never touches
     * freed memory. Only that memory has views; other memory is copied under a reference.
     *
     * @return a token for {@link #unpin}: 0 when nothing needed pinning
     */
    public long pin() {
        lock.readLock().lock();
        try {
            Supplier<String> op = () -> "pin " + this;
            checkOpen(op);
            return TorchErrors.check(TorchNative.pinBlock0(handle), op);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Takes back a {@link #pin}; the last one frees memory the storage let go meanwhile. */
    public static void unpin(long token) {
        if (token != 0) {
            TorchNative.unpinBlock0(token);
        }
    }

    /** Pinned memory whose storage let it go, waiting for its last {@link #unpin} (for tests). */
    static long deferredFrees() {
        return TorchNative.deferredFrees0();
    }

    /**
     * How many references hold the storage now: its tensors (every view is one), the ones
     * autograd saved for backward, and any other owner; 1 when one tensor alone holds it.
     *
     * @throws TorchBridgeException when every tensor of it was freed
     */
    public long references() {
        lock.readLock().lock();
        try {
            Supplier<String> op = () -> "count the references to " + this;
            checkOpen(op);
            return TorchErrors.check(TorchNative.references0(handle), op);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The storage's data address and byte size as libtorch sees them now (for checks and tests). */
    long[] nativeState() {
        lock.readLock().lock();
        try {
            Supplier<String> op = () -> "read the state of " + this;
            checkOpen(op);
            long[] out = new long[2];
            TorchErrors.check(TorchNative.state0(handle, out), op);
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return handle == 0;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Drops the handle (idempotent); frees nothing of PyTorch's. */
    @Override
    public void close() {
        long h;
        lock.writeLock().lock();
        try {
            h = handle;
            handle = 0;
        } finally {
            lock.writeLock().unlock();
        }
        if (h != 0) {
            TorchNative.close0(h);
            bridge.forget(key, this);
        }
    }

    private void checkOpen(Supplier<String> op) {
        if (handle == 0) {
            throw new IllegalStateException(op.get() + ": the storage handle is closed");
        }
    }

    @Override
    public String toString() {
        return "storage " + Long.toHexString(key) + " (" + Units.formatBytes(bytes) + ", of " + name + ")";
    }
}
