package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.internal.storage.NativeBlock;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link StorageBackend} contract, one subclass per backend (posix and host here, gds in
 * {@code teraio-gds-native}, which gets this class through core's test jar): bytes written at
 * an offset read back exactly, extents are rounded up to the alignment so an unaligned tail
 * round-trips in its padded block, released space is reused, misuse fails with a message that
 * names the location, and close is idempotent with use after close failing. When the backend
 * {@link StorageBackend#movesDirectly moves device buffers itself}, the same bytes round-trip
 * through {@link StorageBackend#writeDevice} and {@link StorageBackend#readDevice}, unaligned
 * lengths included.
 */
public abstract class StorageBackendContract {
    private static final Random RANDOM = new Random(7);

    @TempDir
    protected Path tmp;
    protected StorageBackend backend;
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Opens the backend under test in {@code dir} (skip with an assumption when it cannot be had here). */
    protected abstract StorageBackend open(Path dir);

    /** The device memory whose buffers the device path is tried with; host memory unless overridden. */
    protected DeviceMemory openMemory() {
        return new HostDeviceMemory(64L << 20);
    }

    /** Closes {@code resource} after the test, after the backend. */
    protected final <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    @BeforeEach
    void openBackend() {
        backend = open(tmp);
    }

    @AfterEach
    void closeAll() throws Exception {
        if (backend != null) {
            backend.close();
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void bytesWrittenAtOffsetsReadBackExactly() {
        int a = backend.alignment();
        Extent extent = backend.allocate(8L * a);
        byte[] first = random(2 * a);
        byte[] second = random(3 * a);
        assertEquals(first.length, backend.write(extent, 0, direct(first)));
        assertEquals(second.length, backend.write(extent, 4L * a, direct(second)));
        assertArrayEquals(first, read(extent, 0, first.length));
        assertArrayEquals(second, read(extent, 4L * a, second.length));
        ByteBuffer src = direct(first);
        backend.write(extent, 0, src);
        assertEquals(0, src.remaining(), "write consumes its buffer");
    }

    @Test
    void anUnalignedLengthGetsARoundedExtentAndItsTailRoundTrips() {
        int a = backend.alignment();
        long asked = 3L * a + 123;
        Extent extent = backend.allocate(asked);
        assertTrue(extent.length() >= asked && extent.length() % a == 0, extent + " for " + asked + " bytes");
        byte[] padded = new byte[(int) extent.length()];
        byte[] data = random((int) asked);
        System.arraycopy(data, 0, padded, 0, data.length);
        backend.write(extent, 0, direct(padded));
        byte[] back = read(extent, 0, padded.length);
        assertArrayEquals(data, java.util.Arrays.copyOf(back, data.length));
        assertEquals(extent.length(), backend.allocatedBytes());
    }

    @Test
    void extentsDoNotOverlapAndReleasedSpaceIsCountedBack() {
        int a = backend.alignment();
        Extent one = backend.allocate(a);
        Extent two = backend.allocate(2L * a);
        assertTrue(one.offset() + one.length() <= two.offset() || two.offset() + two.length() <= one.offset(),
                one + " and " + two + " overlap");
        byte[] x = random(a);
        byte[] y = random(2 * a);
        backend.write(one, 0, direct(x));
        backend.write(two, 0, direct(y));
        assertArrayEquals(x, read(one, 0, a));
        assertEquals(3L * a, backend.allocatedBytes());
        backend.release(one);
        assertEquals(2L * a, backend.allocatedBytes());
        assertThrows(RuntimeException.class, () -> backend.release(one), "releasing twice is a bug");
    }

    @Test
    void anIoOutsideItsExtentFailsNamingTheLocation() {
        int a = backend.alignment();
        Extent extent = backend.allocate(a);
        RuntimeException e = assertThrows(RuntimeException.class, () -> backend.write(extent, a, direct(random(a))));
        assertTrue(e.getMessage().contains(backend.location()), e.getMessage());
        assertThrows(RuntimeException.class, () -> backend.read(extent, 0, ByteBuffer.allocateDirect(2 * a)));
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        Extent extent = backend.allocate(backend.alignment());
        backend.close();
        assertDoesNotThrow(backend::close);
        assertThrows(IllegalStateException.class, () -> backend.allocate(1));
        assertThrows(IllegalStateException.class, () -> backend.write(extent, 0, direct(random(backend.alignment()))));
    }

    @Test
    void deviceBuffersRoundTripThroughTheDevicePathWhenTheBackendHasOne() throws Exception {
        DeviceMemory memory = closeLater(openMemory());
        int a = backend.alignment();
        int length = 5 * a + 77;
        DeviceBuffer src = closeLater(memory.allocate(length + 100, 0));
        DeviceBuffer dst = closeLater(memory.allocate(length + 100, 0));
        if (!backend.movesDirectly(src)) {
            assertThrows(UnsupportedOperationException.class,
                    () -> backend.writeDevice(backend.allocate(a), 0, src, 0, a));
            return;
        }
        byte[] data = random(length);
        src.copyFromHost(100, ByteBuffer.wrap(data));
        Extent extent = backend.allocate(8L * a);
        assertEquals(length, backend.writeDevice(extent, a, src, 100, length));
        assertEquals(length, backend.readDevice(extent, a, dst, 0, length));
        ByteBuffer back = ByteBuffer.allocate(length);
        dst.copyToHost(0, back);
        assertArrayEquals(data, back.array());
    }

    private byte[] read(Extent extent, long offset, int length) {
        NativeBlock block = closeLater(NativeBlock.allocate(length));
        ByteBuffer dst = block.view(0, length);
        assertEquals(length, backend.read(extent, offset, dst));
        byte[] out = new byte[length];
        block.view(0, length).get(out);
        return out;
    }

    private ByteBuffer direct(byte[] bytes) {
        NativeBlock block = closeLater(NativeBlock.allocate(bytes.length));
        ByteBuffer view = block.view(0, bytes.length);
        view.put(bytes).flip();
        return view;
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
