package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.internal.storage.NativeBlock;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk: allocation fails with ENOSPC naming the file, and what was written stays readable. */
class PosixStorageBackendFullDiskIT {
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void fillingA32MibDiskEndsInEnospcAndWrittenExtentsReadBackExactly() throws Exception {
        try (LoopMount disk = LoopMount.ext4(tmp.resolve("disk.img"), 32L * MIB);
             RunDirectory run = RunDirectory.create(disk.dir());
             PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 4L * MIB);
             NativeBlock block = NativeBlock.allocate(MIB)) {
            List<Extent> written = new ArrayList<>();
            StorageException full = null;
            for (int i = 0; i < 64 && full == null; i++) {
                try {
                    Extent extent = ssd.allocate(MIB);
                    ByteBuffer src = fill(block, i);
                    ssd.write(extent, 0, src);
                    written.add(extent);
                } catch (StorageException e) {
                    full = e;
                }
            }
            assertTrue(full != null, "64 MiB fit on a 32 MiB disk?");
            assertEquals(Errno.ENOSPC, full.errno());
            assertEquals(ssd.location(), full.location());
            assertEquals("allocate of 1.00 MiB in " + ssd.location() + " failed: ENOSPC (No space left on device)",
                    full.getMessage());
            assertTrue(written.size() >= 16, "only " + written.size() + " MiB fit on a 32 MiB disk");
            assertEquals((long) written.size() * MIB, ssd.allocatedBytes(), "the failed allocation gave its space back");

            byte[] expected = new byte[MIB];
            byte[] actual = new byte[MIB];
            for (int i = 0; i < written.size(); i++) {
                ByteBuffer dst = block.view(0, MIB);
                ssd.read(written.get(i), 0, dst);
                dst.flip().get(actual);
                new Random(i).nextBytes(expected);
                assertArrayEquals(expected, actual, "extent " + i + " after the disk filled up");
            }

            assertThrows(StorageException.class, () -> ssd.allocate(MIB), "still full");
            ssd.release(written.get(3));
            Extent reused = ssd.allocate(MIB);
            assertEquals(written.get(3).offset(), reused.offset(), "released space is usable on a full disk");
        }
    }

    private static ByteBuffer fill(NativeBlock block, long seed) {
        byte[] data = new byte[MIB];
        new Random(seed).nextBytes(data);
        ByteBuffer buffer = block.view(0, MIB);
        buffer.put(data).flip();
        return buffer;
    }
}
