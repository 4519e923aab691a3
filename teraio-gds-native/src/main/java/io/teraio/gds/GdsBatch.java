package io.teraio.gds;

import io.teraio.core.storage.Errno;
import io.teraio.core.storage.StorageException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * cuFile's batch API ({@code cuFileBatchIOSetUp}, {@code Submit}, {@code GetStatus},
 * {@code Destroy}), when the loaded libcufile has it ({@link Gds#hasBatch()}): up to
 * {@code capacity} reads and writes submitted at once and waited for together. Not
 * thread-safe; an idempotent {@link AutoCloseable}.
 */
public final class GdsBatch implements AutoCloseable {
    private static final int COMPLETE = 0x10;
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final int capacity;
    private final long batch;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** One I/O of a batch: {@code size} bytes between {@code address + bufferOffset} and {@code fileOffset}. */
    public record Io(CuFileHandle file, long address, long size, long fileOffset, long bufferOffset, boolean write) {
    }

    /**
     * Sets up a batch of at most {@code capacity} I/Os.
     *
     * @throws GdsException when the library has no batch API or set-up fails
     */
    public GdsBatch(int capacity) {
        Gds.checkAvailable();
        if (capacity <= 0) {
            throw new IllegalArgumentException("cuFile batch: capacity " + capacity + " must be positive");
        }
        long[] out = new long[1];
        GdsErrors.check(CuFileNative.batchSetUp0(capacity, out), "cuFileBatchIOSetUp of " + capacity + " I/Os");
        this.capacity = capacity;
        this.batch = out[0];
    }

    /**
     * Submits {@code ios} and waits until all have ended.
     *
     * @return the bytes moved
     * @throws StorageException naming the I/O that failed, its file and offset
     */
    public long run(Io... ios) {
        if (closed.get()) {
            throw new IllegalStateException("cuFile batch used after close");
        }
        int n = ios.length;
        if (n == 0 || n > capacity) {
            throw new IllegalArgumentException("cuFile batch: " + n + " I/Os for a batch of " + capacity);
        }
        long[] handles = new long[n];
        long[] addresses = new long[n];
        long[] sizes = new long[n];
        long[] fileOffsets = new long[n];
        long[] bufferOffsets = new long[n];
        int[] writes = new int[n];
        for (int i = 0; i < n; i++) {
            Io io = ios[i];
            handles[i] = io.file().handle();
            addresses[i] = io.address();
            sizes[i] = io.size();
            fileOffsets[i] = io.fileOffset();
            bufferOffsets[i] = io.bufferOffset();
            writes[i] = io.write() ? 1 : 0;
        }
        GdsErrors.check(CuFileNative.batchSubmit0(batch, n, handles, addresses, sizes, fileOffsets, bufferOffsets,
                writes), "cuFileBatchIOSubmit of " + n + " I/Os");
        boolean[] ended = new boolean[n];
        int left = n;
        long total = 0;
        int[] cookies = new int[n];
        int[] statuses = new int[n];
        long[] rets = new long[n];
        while (left > 0) {
            int got = CuFileNative.batchStatus0(batch, 1, WAIT_SLICE_NANOS, cookies, statuses, rets);
            if (got < 0) {
                throw new GdsException("cuFileBatchIOGetStatus failed with code " + GdsErrors.describe(-got), -got);
            }
            for (int k = 0; k < got; k++) {
                int i = cookies[k];
                if (i < 0 || i >= n || ended[i]) {
                    continue;
                }
                ended[i] = true;
                left--;
                Io io = ios[i];
                String op = io.write() ? "cuFile batch write" : "cuFile batch read";
                if (statuses[k] != COMPLETE) {
                    throw new StorageException(op + " of " + io.size() + " bytes at offset " + io.fileOffset()
                            + " of " + io.file().location() + " ended with status 0x" + Integer.toHexString(statuses[k])
                            + " (not complete), " + Errno.describe(Errno.EIO), io.file().location(),
                            io.fileOffset(), Errno.EIO, null);
                }
                total += GdsErrors.bytes(rets[k], io.size(), op, io.file().location(), io.fileOffset());
            }
            Arrays.fill(cookies, -1);
        }
        return total;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            CuFileNative.batchDestroy0(batch);
        }
    }
}
