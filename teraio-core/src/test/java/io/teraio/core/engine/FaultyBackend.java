package io.teraio.core.engine;

import io.teraio.core.storage.Errno;
import io.teraio.core.storage.Extent;
import io.teraio.core.storage.StorageBackend;
import io.teraio.core.storage.StorageException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link StorageBackend} decorator that injects faults: EIO on writes, EIO on reads, short
 * reads, a flipped bit in what a read returns, and a delay before each read or write. Each fault is a
 * count of calls still to hit ({@link #PERSISTENT} for every call); calls that hit are counted.
 * A {@link #writeGate} runs first in every write, so that a test can hold writes on a latch and
 * decide the order of events without sleeps.
 * Public for other modules' tests (through teraio-core's test jar).
 */
public final class FaultyBackend implements StorageBackend {
    public static final int PERSISTENT = Integer.MAX_VALUE;

    public final AtomicInteger writeErrors = new AtomicInteger();
    public final AtomicInteger readErrors = new AtomicInteger();
    public final AtomicInteger shortReads = new AtomicInteger();
    public final AtomicInteger bitFlips = new AtomicInteger();
    public final AtomicInteger readDelayMillis = new AtomicInteger();
    /** While set, every read waits for it to open before anything else; {@link #atGate} counts those that arrived. */
    public volatile CountDownLatch readGate;
    public final AtomicInteger atGate = new AtomicInteger();
    public final AtomicInteger writeDelayMillis = new AtomicInteger();
    public final AtomicInteger writes = new AtomicInteger();
    public final AtomicInteger reads = new AtomicInteger();
    public final AtomicInteger inFlight = new AtomicInteger();
    /** Runs at the start of every write (after it is counted in {@link #inFlight} and {@link #writes}). */
    public volatile Gate writeGate = call -> { };
    private final StorageBackend inner;

    public FaultyBackend(StorageBackend inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public int alignment() {
        return inner.alignment();
    }

    @Override
    public Extent allocate(long length) {
        return inner.allocate(length);
    }

    @Override
    public void release(Extent extent) {
        inner.release(extent);
    }

    @Override
    public long write(Extent extent, long offset, ByteBuffer src) {
        inFlight.incrementAndGet();
        try {
            int call = writes.incrementAndGet();
            try {
                writeGate.enter(call);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw eio("write", extent, offset, src.remaining());
            }
            sleep(writeDelayMillis.get());
            if (hit(writeErrors)) {
                throw eio("write", extent, offset, src.remaining());
            }
            return inner.write(extent, offset, src);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public long read(Extent extent, long offset, ByteBuffer dst) {
        inFlight.incrementAndGet();
        try {
            reads.incrementAndGet();
            CountDownLatch gate = readGate;
            if (gate != null) {
                atGate.incrementAndGet();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            sleep(readDelayMillis.get());
            if (hit(readErrors)) {
                throw eio("read", extent, offset, dst.remaining());
            }
            if (hit(shortReads)) {
                // fills all but the last alignment unit and reports that, as a read cut short would
                int whole = dst.remaining();
                int shortBy = Math.min(whole, alignment());
                ByteBuffer part = dst.duplicate();
                part.limit(part.position() + whole - shortBy);
                long n = part.hasRemaining() ? inner.read(extent, offset, part) : 0;
                dst.position(dst.position() + (int) n);
                return n;
            }
            int start = dst.position();
            long n = inner.read(extent, offset, dst);
            if (hit(bitFlips)) {
                dst.put(start, (byte) (dst.get(start) ^ 0x10));
            }
            return n;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public long allocatedBytes() {
        return inner.allocatedBytes();
    }

    @Override
    public void close() {
        inner.close();
    }

    /** What a write runs first; may block. */
    @FunctionalInterface
    public interface Gate {
        /** @param call the write's number, 1 for the backend's first */
        void enter(int call) throws InterruptedException;
    }

    private static void sleep(int millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean hit(AtomicInteger remaining) {
        return remaining.getAndUpdate(n -> n == PERSISTENT || n == 0 ? n : n - 1) > 0;
    }

    private StorageException eio(String op, Extent extent, long offset, int bytes) {
        long position = extent.offset() + offset;
        return new StorageException(op + " of " + bytes + " bytes at offset " + position + " of " + location()
                + " failed: " + Errno.describe(Errno.EIO) + " (injected)", location(), position, Errno.EIO, null);
    }
}
