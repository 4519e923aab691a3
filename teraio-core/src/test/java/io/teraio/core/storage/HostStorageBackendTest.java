package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HostStorageBackendTest {
    @Test
    void bytesRoundTripAtAnyOffsetWithHeapOrDirectBuffers() {
        try (HostStorageBackend host = new HostStorageBackend(1 << 20)) {
            assertEquals("host", host.name());
            assertEquals("host memory", host.location());
            assertEquals(1, host.alignment());
            Extent a = host.allocate(10);
            Extent b = host.allocate(7);
            assertNotEquals(a.offset(), b.offset());
            assertEquals(10, a.length());
            assertEquals(17, host.allocatedBytes());

            ByteBuffer src = ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII));
            assertEquals(5, host.write(a, 3, src));
            assertFalse(src.hasRemaining());
            ByteBuffer direct = ByteBuffer.allocateDirect(7);
            direct.put("seventh".getBytes(StandardCharsets.US_ASCII)).flip();
            host.write(b, 0, direct);

            ByteBuffer dst = ByteBuffer.allocate(5);
            assertEquals(5, host.read(a, 3, dst));
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), dst.array());
            ByteBuffer dst2 = ByteBuffer.allocate(3);
            host.read(b, 4, dst2);
            assertArrayEquals("nth".getBytes(StandardCharsets.US_ASCII), dst2.array());
        }
    }

    @Test
    void theCapIsEnforcedWithEnospcAndReleasedBytesCountAgain() {
        try (HostStorageBackend host = new HostStorageBackend(4096)) {
            Extent first = host.allocate(3000);
            StorageException full = assertThrows(StorageException.class, () -> host.allocate(2000));
            assertEquals(Errno.ENOSPC, full.errno());
            assertEquals("host memory", full.location());
            assertEquals("allocate of 1.95 KiB in host memory failed: ENOSPC (No space left on device): the host tier"
                    + " holds 2.93 KiB of its 4.00 KiB cap (hostMemory)", full.getMessage());
            Extent second = host.allocate(1096);
            assertEquals(4096, host.allocatedBytes());
            host.release(first);
            host.release(second);
            assertEquals(0, host.allocatedBytes());
            host.allocate(4096);
        }
    }

    @Test
    void misuseThrows() {
        try (HostStorageBackend host = new HostStorageBackend(4096)) {
            Extent e = host.allocate(16);
            IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                    () -> host.write(e, 10, ByteBuffer.allocate(7)));
            assertEquals("write of 7 bytes at offset 10 is outside Extent[offset=0, length=16] of host memory",
                    outside.getMessage());
            assertThrows(IllegalArgumentException.class, () -> host.read(e, -1, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> host.read(new Extent(100, 4), 0, ByteBuffer.allocate(1)));
            host.release(e);
            assertThrows(IllegalArgumentException.class, () -> host.read(e, 0, ByteBuffer.allocate(1)));
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> host.release(e));
            assertEquals("release of Extent[offset=0, length=16] in host memory: not allocated (released twice, or"
                    + " from another backend)", twice.getMessage());
            assertThrows(IllegalArgumentException.class, () -> host.allocate(0));
        }
        assertThrows(IllegalArgumentException.class, () -> new HostStorageBackend(0));
    }

    @Test
    void closeFreesEverythingAndLaterUseThrows() {
        HostStorageBackend host = new HostStorageBackend(1 << 20);
        Extent e = host.allocate(100);
        host.close();
        host.close();
        assertThrows(IllegalStateException.class, () -> host.read(e, 0, ByteBuffer.allocate(1)));
        assertThrows(IllegalStateException.class, () -> host.write(e, 0, ByteBuffer.allocate(1)));
        assertThrows(IllegalStateException.class, () -> host.allocate(1));
        assertThrows(IllegalStateException.class, () -> host.release(e));
    }

    @Test
    void aReleasedBlockIsKeptForTheNextExtentOfItsLengthWithinTheCap() {
        HostStorageBackend host = new HostStorageBackend(8192);
        Extent a = host.allocate(3000);
        host.write(a, 0, ByteBuffer.wrap(new byte[] {7}));
        host.release(a);
        assertEquals(0, host.allocatedBytes());
        assertEquals(3000, host.keptBytes(), "released, kept for reuse");

        Extent b = host.allocate(3000);
        assertEquals(1, host.reuses());
        assertEquals(0, host.keptBytes());
        assertEquals(3000, host.allocatedBytes());
        host.release(b);

        // another length: a new block, beside the kept one while both fit the cap
        Extent c = host.allocate(5000);
        assertEquals(1, host.reuses());
        assertEquals(3000, host.keptBytes());
        host.release(c);
        assertEquals(8000, host.keptBytes());

        // 4000 fits the cap only without the kept blocks: the largest goes first, as much as it takes
        Extent d = host.allocate(4000);
        assertEquals(3000, host.keptBytes(), "the 5000-byte block freed, the 3000-byte one still kept");
        assertEquals(4000, host.allocatedBytes());
        Extent e = host.allocate(3000);
        assertEquals(2, host.reuses());
        assertEquals(0, host.keptBytes());

        StorageException full = assertThrows(StorageException.class, () -> host.allocate(2000));
        assertEquals(Errno.ENOSPC, full.errno(), "the cap still counts live extents");
        host.release(d);
        host.release(e);
        host.close();
        assertEquals(0, host.keptBytes(), "close frees the kept blocks");
        assertThrows(IllegalStateException.class, () -> host.allocate(3000));
    }
}
