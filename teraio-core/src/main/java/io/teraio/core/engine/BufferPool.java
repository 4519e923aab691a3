package io.teraio.core.engine;

import io.teraio.core.Units;
import io.teraio.core.internal.storage.NativeBlock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded pool of aligned bounce buffers ({@link NativeBlock}s of {@link #bufferBytes()}
 * each, at most {@link #capacity()} of them), allocated on first use and reused across
 * requests. {@link #acquire()} blocks while every buffer is in use. Thread-safe; an
 * idempotent {@link AutoCloseable}: close frees the idle buffers at once and each busy one
 * when it is released.
 */
final class BufferPool implements AutoCloseable {
    private final long bufferBytes;
    private final int capacity;
    private final ArrayDeque<NativeBlock> idle = new ArrayDeque<>();
    private final List<NativeBlock> all = new ArrayList<>();
    private boolean closed;

    /**
     * @param bufferBytes the size of each buffer (positive)
     * @param capacity    the most buffers the pool holds (positive)
     */
    public BufferPool(long bufferBytes, int capacity) {
        if (bufferBytes <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("buffer pool: bufferBytes " + bufferBytes + " and capacity " + capacity
                    + " must be positive");
        }
        this.bufferBytes = bufferBytes;
        this.capacity = capacity;
    }

    public long bufferBytes() {
        return bufferBytes;
    }

    public int capacity() {
        return capacity;
    }

    /** Buffers allocated so far (idle or busy). */
    public synchronized int allocated() {
        return all.size();
    }

    /**
     * An idle buffer, a new one while fewer than {@link #capacity()} exist, or the next one
     * released.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws InterruptedException  if interrupted while waiting
     */
    public synchronized NativeBlock acquire() throws InterruptedException {
        while (true) {
            checkOpen();
            NativeBlock block = idle.poll();
            if (block != null) {
                return block;
            }
            if (all.size() < capacity) {
                block = NativeBlock.allocate(bufferBytes);
                all.add(block);
                return block;
            }
            wait();
        }
    }

    /** Gives a buffer from {@link #acquire()} back (after close, frees it). */
    public synchronized void release(NativeBlock block) {
        if (!all.contains(block)) {
            throw new IllegalArgumentException("buffer pool of " + Units.formatBytes(bufferBytes)
                    + " buffers: releasing a buffer it did not hand out");
        }
        if (closed) {
            block.close();
            return;
        }
        idle.push(block);
        notify();
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (NativeBlock block : idle) {
            block.close();
        }
        idle.clear();
        notifyAll();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("buffer pool of " + Units.formatBytes(bufferBytes)
                    + " buffers used after close");
        }
    }
}
