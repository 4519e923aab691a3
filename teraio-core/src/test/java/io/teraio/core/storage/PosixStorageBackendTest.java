package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.internal.storage.NativeBlock;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixStorageBackendTest {
    private static final int K4 = 4096;
    private static final long MIB = 1 << 20;

    @TempDir
    Path parent;
    private RunDirectory run;
    private final List<NativeBlock> blocks = new ArrayList<>();

    @BeforeEach
    void openRun() {
        run = RunDirectory.create(parent);
    }

    @AfterEach
    void closeAll() {
        blocks.forEach(NativeBlock::close);
        run.close();
    }

    /** An aligned direct buffer of {@code bytes} filled from {@code seed}. */
    private ByteBuffer buffer(int bytes, long seed) {
        NativeBlock block = NativeBlock.allocate(bytes);
        blocks.add(block);
        ByteBuffer buffer = block.view(0, bytes);
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        buffer.put(data).flip();
        return buffer;
    }

    private ByteBuffer empty(int bytes) {
        NativeBlock block = NativeBlock.allocate(bytes);
        blocks.add(block);
        return block.view(0, bytes);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    @Test
    void alignedBuffersRoundTripAtSeveralOffsetsAndPastThePreallocation() throws Exception {
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 64 * 1024)) {
            assertEquals("posix", ssd.name());
            assertEquals(0, ssd.alignment() % K4);
            assertEquals(64 * 1024, Files.size(ssd.file()), "preallocated at open");

            List<Extent> extents = new ArrayList<>();
            List<ByteBuffer> written = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Extent extent = ssd.allocate(MIB + i * K4); // grows the file past 64 KiB
                int length = (int) MIB;
                long offset = i * (long) K4;
                ByteBuffer src = buffer(length, i);
                assertEquals(length, ssd.write(extent, offset, src));
                assertFalse(src.hasRemaining());
                extents.add(extent);
                written.add(src.flip());
            }
            assertTrue(ssd.fileBytes() >= extents.get(5).end());
            assertEquals(ssd.fileBytes(), Files.size(ssd.file()));
            for (int i = 0; i < 6; i++) {
                ByteBuffer dst = empty((int) MIB);
                assertEquals(MIB, ssd.read(extents.get(i), i * (long) K4, dst));
                assertFalse(dst.hasRemaining());
                assertArrayEquals(bytes(written.get(i)), bytes(dst.flip()), "extent " + i);
            }
            // a slice in the middle of an extent, through a buffer whose position is not 0
            ByteBuffer window = empty(3 * K4);
            window.position(K4);
            ssd.read(extents.get(2), 2 * K4 + K4, window);
            window.position(K4);
            byte[] expected = new byte[2 * K4];
            written.get(2).duplicate().position(K4).get(expected);
            assertArrayEquals(expected, bytes(window));
        }
    }

    @Test
    void theFileGrowsByThePreallocationSizeAndReleasedSpaceIsReused() throws Exception {
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 1, MIB)) {
            Extent a = ssd.allocate(MIB);
            assertEquals(MIB, ssd.fileBytes());
            Extent b = ssd.allocate(K4);
            assertEquals(2 * MIB, ssd.fileBytes(), "grown by a whole preallocation chunk");
            Extent c = ssd.allocate(3 * MIB);
            assertEquals(MIB + K4 + 3 * MIB, ssd.fileBytes(), "grown by what the extent needs when it is more");
            assertEquals(4 * MIB + K4, ssd.allocatedBytes());

            ssd.release(a);
            Extent again = ssd.allocate(100);
            assertEquals(0, again.offset(), "released space is reused");
            assertEquals(K4, again.length(), "rounded up to the alignment");
            ssd.release(b);
            ssd.release(c);
            assertEquals(K4, ssd.allocatedBytes());
        }
    }

    @Test
    void withoutPreallocationTheFileGrowsPerExtent() throws Exception {
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 0)) {
            assertEquals(0, Files.size(ssd.file()));
            Extent e = ssd.allocate(2 * K4);
            assertEquals(2 * K4, Files.size(ssd.file()));
            ssd.write(e, 0, buffer(2 * K4, 7));
            ByteBuffer dst = empty(2 * K4);
            ssd.read(e, 0, dst);
            assertArrayEquals(bytes(buffer(2 * K4, 7)), bytes(dst.flip()));
        }
    }

    @Test
    void theDataFileIsPrivateInAPrivateDirectory() throws Exception {
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 3, 0)) {
            assertEquals(run.path().resolve("ssd3.data"), ssd.file());
            assertEquals(ssd.file().toString(), ssd.location());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ssd.file())));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run.path())));
        }
        assertTrue(Files.exists(run.path().resolve("ssd3.data")), "closing the backend leaves the file to the run");
        run.close();
        assertFalse(Files.exists(run.path()));
    }

    @Test
    void misuseIsRefusedWithTheRuleItBreaks() {
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 0)) {
            Extent e = ssd.allocate(4 * K4);
            IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                    () -> ssd.write(e, 3 * K4, buffer(2 * K4, 1)));
            assertEquals("write of 8192 bytes at offset 12288 is outside Extent[offset=0, length=16384] of "
                    + ssd.location(), outside.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ssd.read(e, -K4, empty(K4)));
            assertThrows(IllegalArgumentException.class, () -> ssd.read(new Extent(0, 8 * K4), 4 * K4, empty(K4)),
                    "an extent larger than the one allocated");

            IllegalArgumentException unaligned = assertThrows(IllegalArgumentException.class,
                    () -> ssd.write(e, 512, buffer(K4, 1)));
            assertTrue(unaligned.getMessage().endsWith("O_DIRECT needs offsets and lengths that are multiples of "
                    + ssd.alignment()), unaligned.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ssd.write(e, 0, buffer(K4 + 512, 1)));

            IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                    () -> ssd.write(e, 0, ByteBuffer.allocate(K4)));
            assertTrue(heap.getMessage().contains("O_DIRECT needs a direct buffer"), heap.getMessage());

            ByteBuffer shifted = empty(2 * K4);
            shifted.position(8).limit(8 + K4);
            IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                    () -> ssd.read(e, 0, shifted));
            assertTrue(misaligned.getMessage().contains("(off by 8)"), misaligned.getMessage());

            ssd.release(e);
            IllegalArgumentException released = assertThrows(IllegalArgumentException.class,
                    () -> ssd.read(e, 0, empty(K4)));
            assertTrue(released.getMessage().endsWith("is not allocated (released, or from another backend)"),
                    released.getMessage());
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> ssd.release(e));
            assertTrue(twice.getMessage().startsWith("release of Extent[offset=0, length=16384] in "
                    + ssd.location()), twice.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ssd.allocate(0));
        }
    }

    @Test
    void useAfterCloseThrowsAndCloseIsIdempotent() {
        PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 0);
        Extent e = ssd.allocate(K4);
        ssd.close();
        ssd.close();
        assertThrows(IllegalStateException.class, () -> ssd.allocate(K4));
        assertThrows(IllegalStateException.class, () -> ssd.write(e, 0, buffer(K4, 1)));
        assertThrows(IllegalStateException.class, () -> ssd.read(e, 0, empty(K4)));
        assertThrows(IllegalStateException.class, () -> ssd.release(e));
    }

    @Test
    void aReadPastTheEndOfTheFileIsAnErrorNotAShortCount() throws Exception {
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 0)) {
            Extent e = ssd.allocate(4 * K4);
            try (RandomAccessFile raf = new RandomAccessFile(ssd.file().toFile(), "rw")) {
                raf.setLength(K4); // someone truncated the file under us
            }
            StorageException short_ = assertThrows(StorageException.class, () -> ssd.read(e, 0, empty(4 * K4)));
            assertEquals("read of 16.00 KiB at offset 0 of " + ssd.location()
                    + " ended early after 4096 bytes (end of file)", short_.getMessage());
            assertEquals(Errno.EIO, short_.errno());
            assertEquals(ssd.location(), short_.location());
            assertEquals(0, short_.offset());
        }
    }

    @Test
    void anInterruptedWorkerFailsWithEintrAndTheOthersCarryOn() throws Exception {
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 0)) {
            Extent e = ssd.allocate(2 * K4);
            Thread.currentThread().interrupt();
            StorageException interrupted;
            try {
                interrupted = assertThrows(StorageException.class, () -> ssd.write(e, 0, buffer(K4, 1)));
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt status is kept");
            }
            assertEquals(Errno.EINTR, interrupted.errno());
            assertTrue(interrupted.getMessage().startsWith("write of 4.00 KiB at offset " + e.offset() + " of "
                    + ssd.location() + " interrupted"), interrupted.getMessage());

            ByteBuffer src = buffer(2 * K4, 9);
            ssd.write(e, 0, src);
            ByteBuffer dst = empty(2 * K4);
            ssd.read(e, 0, dst);
            assertArrayEquals(bytes(src.flip()), bytes(dst.flip()));
        }
    }

    @Test
    void concurrentWritesAndReadsOnDifferentExtentsDoNotMix() throws Exception {
        int threads = 4;
        int perThread = 16;
        try (PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 4 * MIB)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            int length = (1 + (i % 4)) * 16 * K4;
                            Extent extent = ssd.allocate(length);
                            ByteBuffer src;
                            ByteBuffer dst;
                            synchronized (blocks) {
                                src = buffer(length, id * 1000L + i);
                                dst = empty(length);
                            }
                            ssd.write(extent, 0, src);
                            ssd.read(extent, 0, dst);
                            assertArrayEquals(bytes(src.flip()), bytes(dst.flip()), "thread " + id + " op " + i);
                            if (i % 3 == 0) {
                                ssd.release(extent);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
