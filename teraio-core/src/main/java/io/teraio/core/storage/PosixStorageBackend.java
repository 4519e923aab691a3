package io.teraio.core.storage;

import io.teraio.core.Units;
import io.teraio.core.internal.storage.ExtentAllocator;
import io.teraio.core.internal.storage.Posix;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * Offloaded bytes in one O_DIRECT file per SSD, {@code <run directory>/ssd<id>.data} (0600).
 * Space comes from an {@link ExtentAllocator} aligned to the file system's block size (at
 * least 4096); the file is preallocated with {@code fallocate} at open and grown by at least
 * the preallocation size whenever an extent reaches past it, so a full disk shows up as
 * {@link StorageException} with errno {@code ENOSPC} from {@link #allocate}, not from a write
 * halfway through an offload. Where {@code fallocate} is unsupported (or libc cannot be bound)
 * the file grows sparse instead, and that is logged once.
 *
 * <p>Reads and writes are positional, so concurrent calls on different extents are safe; they
 * need offsets, lengths and direct-buffer addresses aligned to {@link #alignment()}. A worker
 * interrupted during I/O gets a {@link StorageException} (errno {@code EINTR}); the file is
 * reopened for everyone else. {@link #close()} closes the file; the {@link RunDirectory}
 * deletes it.
 */
public final class PosixStorageBackend implements StorageBackend {
    private static final Logger LOG = LoggerFactory.getLogger(PosixStorageBackend.class);
    private static final AtomicBoolean SPARSE_LOGGED = new AtomicBoolean();

    private final Path file;
    private final String location;
    private final int alignment;
    private final long preallocateBytes;
    private final ExtentAllocator allocator;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile FileChannel channel;
    /** The file's size: space below it is on disk. Guarded by {@code this}. */
    private long fileBytes;

    /**
     * Creates {@code ssd<ssdId>.data} in {@code run}, opens it with O_DIRECT and preallocates
     * {@code preallocateBytes} (0 for none) of it.
     *
     * @throws StorageException when the file cannot be opened with O_DIRECT (tmpfs, for one)
     *                          or the preallocation fails (ENOSPC)
     */
    public PosixStorageBackend(RunDirectory run, int ssdId, long preallocateBytes) {
        if (ssdId < 0) {
            throw new IllegalArgumentException("posix storage: ssd id " + ssdId + " must not be negative");
        }
        if (preallocateBytes < 0) {
            throw new IllegalArgumentException("posix storage: preallocateBytes " + preallocateBytes
                    + " must not be negative");
        }
        this.file = run.newFile("ssd" + ssdId + ".data");
        this.location = file.toString();
        this.alignment = blockSize(file);
        this.allocator = new ExtentAllocator(alignment);
        this.preallocateBytes = allocator.roundUp(preallocateBytes);
        this.channel = open();
        if (this.preallocateBytes > 0) {
            synchronized (this) {
                try {
                    grow(this.preallocateBytes, this.preallocateBytes, "preallocate", 0);
                } catch (StorageException e) {
                    closeQuietly(channel);
                    throw e;
                }
            }
        }
    }

    private static int blockSize(Path file) {
        try {
            long block = Files.getFileStore(file).getBlockSize();
            return block > 4096 && block <= (1 << 20) && Long.bitCount(block) == 1 ? (int) block : 4096;
        } catch (IOException | UnsupportedOperationException e) {
            return 4096;
        }
    }

    private FileChannel open() {
        try {
            return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT);
        } catch (IOException e) {
            throw new StorageException("open of " + location + " with O_DIRECT failed: " + describe(e), location,
                    -1, Errno.of(e), e);
        }
    }

    @Override
    public String name() {
        return "posix";
    }

    /** The data file's path. */
    @Override
    public String location() {
        return location;
    }

    /** The data file. */
    public Path file() {
        return file;
    }

    @Override
    public int alignment() {
        return alignment;
    }

    /**
     * Reserves {@code length} bytes rounded up to {@link #alignment()}, lowest free offset
     * first, growing the file when the extent reaches past its end.
     *
     * @throws StorageException with errno {@code ENOSPC} (or the errno of {@code fallocate})
     *                          when the file cannot grow; the space is given back
     */
    @Override
    public synchronized Extent allocate(long length) {
        checkOpen();
        if (length <= 0) {
            throw new IllegalArgumentException("allocate of " + length + " bytes in " + location
                    + ": the length must be positive");
        }
        long offset = allocator.allocate(length);
        Extent extent = new Extent(offset, allocator.roundUp(length));
        if (extent.end() > fileBytes) {
            try {
                grow(extent.end(), length, "allocate", offset);
            } catch (RuntimeException e) {
                allocator.free(extent.offset(), extent.length());
                throw e;
            }
        }
        return extent;
    }

    /** Extends the file to at least {@code neededEnd}, by at least the preallocation size. */
    private void grow(long neededEnd, long askedBytes, String op, long offset) {
        long needed = neededEnd - fileBytes;
        long chunk = Math.max(preallocateBytes, needed);
        int errno = Posix.fallocate(file, fileBytes, chunk);
        if (errno != 0 && errno != Posix.UNAVAILABLE && errno != Errno.EOPNOTSUPP && chunk > needed) {
            chunk = needed; // a full disk may still hold what this extent needs
            errno = Posix.fallocate(file, fileBytes, chunk);
        }
        if (errno == Posix.UNAVAILABLE || errno == Errno.EOPNOTSUPP) {
            growSparse(fileBytes + chunk, errno == Posix.UNAVAILABLE ? Posix.unavailableReason()
                    : "fallocate is not supported by the file system of " + location);
        } else if (errno != 0) {
            throw new StorageException(op + " of " + Units.formatBytes(askedBytes) + " in " + location + " failed: "
                    + Errno.describe(errno), location, offset, errno, null);
        }
        fileBytes += chunk;
    }

    private void growSparse(long newSize, String why) {
        if (SPARSE_LOGGED.compareAndSet(false, true)) {
            LOG.info("offload space is not preallocated, files grow sparse (a full disk shows up as a failed"
                    + " write): {}", why);
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(newSize);
        } catch (IOException e) {
            throw new StorageException("grow of " + location + " to " + Units.formatBytes(newSize) + " failed: "
                    + describe(e), location, newSize, Errno.of(e), e);
        }
    }

    @Override
    public void release(Extent extent) {
        checkOpen();
        try {
            allocator.free(extent.offset(), extent.length());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("release of " + extent + " in " + location + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long write(Extent extent, long offset, ByteBuffer src) {
        return transfer("write", extent, offset, src, (ch, buffer, position) -> ch.write(buffer, position));
    }

    @Override
    public long read(Extent extent, long offset, ByteBuffer dst) {
        return transfer("read", extent, offset, dst, (ch, buffer, position) -> ch.read(buffer, position));
    }

    /** One positional read or write: the bytes moved, or -1 (or 0) at the end of the file. */
    @FunctionalInterface
    private interface Step {
        int move(FileChannel ch, ByteBuffer buffer, long position) throws IOException;
    }

    /** Moves the whole buffer, step after step, at {@code offset} into {@code extent}. */
    private long transfer(String op, Extent extent, long offset, ByteBuffer buffer, Step step) {
        checkIo(op, extent, offset, buffer);
        int length = buffer.remaining();
        long position = extent.offset() + offset;
        long done = 0;
        while (buffer.hasRemaining()) {
            FileChannel ch = channel;
            try {
                while (buffer.hasRemaining()) {
                    int n = step.move(ch, buffer, position + done);
                    if (n <= 0) {
                        throw new StorageException(op + " of " + Units.formatBytes(length) + " at offset " + position
                                + " of " + location + " ended early after " + done + " bytes"
                                + (n < 0 || op.equals("read") ? " (end of file)" : ""), location, position,
                                Errno.EIO, null);
                    }
                    done += n;
                }
            } catch (ClosedChannelException e) {
                recover(op, length, position, done, ch, e);
            } catch (IOException e) {
                throw failure(op, length, position, e);
            }
        }
        return length;
    }

    /**
     * The channel closed under an I/O: by {@link #close()} (use after close), by an interrupt
     * of this thread (reopen for the others, fail this one), or by an interrupt of another
     * thread, during this I/O or before it (reopen and go on; a retry by an interrupted thread
     * comes back here as an interrupt).
     */
    private void recover(String op, int length, long position, long done, FileChannel failed,
                         ClosedChannelException e) {
        if (closed.get()) {
            throw new IllegalStateException(op + " on " + location + " after close", e);
        }
        synchronized (this) {
            if (channel == failed && !closed.get()) {
                channel = open();
            }
        }
        if (e instanceof ClosedByInterruptException) {
            throw new StorageException(op + " of " + Units.formatBytes(length) + " at offset " + position + " of "
                    + location + " interrupted after " + done + " bytes", location, position, Errno.EINTR, e);
        }
    }

    private StorageException failure(String op, int length, long position, IOException e) {
        return new StorageException(op + " of " + Units.formatBytes(length) + " at offset " + position + " of "
                + location + " failed: " + describe(e), location, position, Errno.of(e), e);
    }

    private static String describe(IOException e) {
        int errno = Errno.of(e);
        return errno != 0 ? Errno.describe(errno) : String.valueOf(e.getMessage());
    }

    private void checkIo(String op, Extent extent, long offset, ByteBuffer buffer) {
        checkOpen();
        int length = buffer.remaining();
        if (offset < 0 || offset > extent.length() - length) {
            throw new IllegalArgumentException(op + " of " + length + " bytes at offset " + offset + " is outside "
                    + extent + " of " + location);
        }
        if (offset % alignment != 0 || length % alignment != 0 || extent.offset() % alignment != 0) {
            throw new IllegalArgumentException(op + " of " + length + " bytes at offset " + offset + " of " + extent
                    + " in " + location + ": O_DIRECT needs offsets and lengths that are multiples of " + alignment);
        }
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException(op + " of " + length + " bytes in " + location
                    + ": O_DIRECT needs a direct buffer (a NativeBlock view), not a heap buffer");
        }
        if (buffer.alignmentOffset(buffer.position(), alignment) != 0) {
            throw new IllegalArgumentException(op + " of " + length + " bytes in " + location
                    + ": O_DIRECT needs the buffer's position at an address that is a multiple of " + alignment
                    + " (off by " + buffer.alignmentOffset(buffer.position(), alignment) + ")");
        }
        if (!allocator.isAllocated(extent.offset(), extent.length())) {
            throw new IllegalArgumentException(op + " of " + length + " bytes in " + location + ": " + extent
                    + " is not allocated (released, or from another backend)");
        }
    }

    @Override
    public long allocatedBytes() {
        return allocator.allocatedBytes();
    }

    /** The data file's size: preallocated and grown space. */
    public synchronized long fileBytes() {
        return fileBytes;
    }

    /** Closes the file; the {@link RunDirectory} deletes it. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            synchronized (this) {
                closeQuietly(channel);
            }
        }
    }

    private void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.warn("closing {} failed: {}", location, describe(e));
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("posix storage " + location + " used after close");
        }
    }

    @Override
    public String toString() {
        return "posix storage " + location;
    }
}
