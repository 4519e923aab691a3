package io.teraio.agent.internal;

import io.teraio.core.Units;
import io.teraio.core.engine.Placement;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.torch.TorchStorage;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A storage the plan moves through the PyTorch bridge: a parameter's (for the whole run) or an
 * activation's (for one iteration: the array op {@code k} made as its {@code j}-th output,
 * keyed {@code opK.outJ} as in the trace). Its memory is freed in place while DJL and autograd
 * keep holding the tensor ({@link TorchStorage}), so the array, its views and the backward
 * graph need nothing done to them; the agent must only restore it before any use.
 *
 * <p>The engine sees it through {@link Buffer}s: a writing buffer over the resident storage,
 * whose close (by an I/O thread, once the write is confirmed) asks the agent to evict it, and
 * landing buffers over the storage allocated again for a read. Each buffer pins the storage's
 * memory while it is open, so that PyTorch freeing the tensor (its array closed) or an eviction
 * cannot free memory a read or write in flight still uses. Guarded by the agent's monitor,
 * except what the buffers touch from I/O threads.
 */
final class StorageSlot {
    final String key;
    final TorchStorage storage;
    /** The agent's record of the array owning the storage (its bytes, whether resident). */
    final Object owner;
    /** The DJL array it was bound through: its tensor's version counter tells whether the bytes changed. */
    final Object array;
    /**
     * Where the storage's bytes still are on storage while it is resident and unchanged (the
     * engine's copy from its last write, see {@code MigrationEngine#freeKeepingCopy}), or null.
     */
    Placement copy;
    /** The tensor's version counter when it was last written out (or its copy taken); -1 unknown. */
    long copyVersion = -1;
    /** In memory and usable (false from staging until the restore completes). */
    boolean resident = true;
    /** The array was closed: nothing restores it again; PyTorch frees its memory with its last tensor. */
    volatile boolean dead;
    /** Written out and waiting for the training thread to free its memory. */
    boolean evictionPending;
    /** Buffers over it not yet closed: the handle may be closed only when none is. */
    private final AtomicInteger openBuffers = new AtomicInteger();

    StorageSlot(String key, TorchStorage storage, Object owner, Object array) {
        this.key = key;
        this.storage = storage;
        this.owner = owner;
        this.array = array;
    }

    long bytes() {
        return storage.bytes();
    }

    /** Whether no buffer over it is open (nothing in flight can touch it). */
    boolean idle() {
        return openBuffers.get() == 0;
    }

    /**
     * A buffer over the storage for the engine.
     *
     * @param closed run once when the engine closes it without the agent having kept it
     *               (a writing buffer: its write is confirmed; a landing buffer: unused)
     */
    Buffer buffer(boolean landing, Runnable closed) {
        Buffer buffer = new Buffer(landing, closed);
        openBuffers.incrementAndGet();
        return buffer;
    }

    @Override
    public String toString() {
        return "'" + key + "' (" + storage + ")";
    }

    /**
     * The engine's view of the slot's storage: a view of its memory when 4 KiB-aligned (memory
     * the bridge allocated to restore it), which the engine reads and writes straight, else a
     * stream through the engine's staging buffers; never a copy of the whole storage.
     */
    final class Buffer implements DeviceBuffer {
        final boolean landing;
        private final Runnable closed;
        private final AtomicBoolean isClosed = new AtomicBoolean();
        private volatile boolean kept;
        /** The pin on the storage's memory while the engine may read or write it ({@link TorchStorage#pin}). */
        private final long pin;

        private Buffer(boolean landing, Runnable closed) {
            this.landing = landing;
            this.closed = closed;
            this.pin = storage.pin();
        }

        StorageSlot slot() {
            return StorageSlot.this;
        }

        /** The storage is the array's again: closing this buffer no longer calls back. */
        void keep() {
            kept = true;
        }

        @Override
        public long bytes() {
            return storage.bytes();
        }

        @Override
        public ByteBuffer hostView(long offset, int length) {
            return storage.hostView(offset, length); // null unless 4 KiB-aligned (once restored)
        }

        @Override
        public void copyToHost(long offset, ByteBuffer dst) {
            storage.copyToHost(offset, dst);
        }

        @Override
        public void copyFromHost(long offset, ByteBuffer src) {
            storage.copyFromHost(offset, src);
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
            try {
                TorchStorage.unpin(pin); // the engine is done with the memory
                if (!kept) {
                    closed.run();
                }
            } finally {
                openBuffers.decrementAndGet();
            }
        }

        @Override
        public String toString() {
            return (landing ? "landing" : "writing") + " buffer of " + StorageSlot.this + ", "
                    + Units.formatBytes(bytes());
        }
    }
}
