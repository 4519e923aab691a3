package io.teraio.gds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.teraio.core.storage.DeviceBuffer;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a GPU machine with cuFile: CUDA memory registered with cuFile goes to a file and back
 * through a registered handle, one call at a time and as one batch.
 */
@Tag("gpu")
class GdsBatchGpuTest {
    private static final int BLOCK = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void registeredBuffersRoundTripOneByOneAndInABatch() throws Exception {
        assumeTrue(Gds.isAvailable(), String.valueOf(Gds.unavailabilityCause()));
        Path file = dir.resolve("gds.data");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(8L * BLOCK);
        }
        byte[] data = new byte[4 * BLOCK];
        new Random(5).nextBytes(data);
        try (CudaDeviceMemory memory = new CudaDeviceMemory(0, 16L * BLOCK);
             DeviceBuffer src = memory.allocate(4L * BLOCK, 0);
             DeviceBuffer dst = memory.allocate(4L * BLOCK, 0);
             CuFileHandle handle = new CuFileHandle(file)) {
            src.copyFromHost(0, ByteBuffer.wrap(data));
            long s = ((CudaDeviceMemory.CudaBuffer) src).address();
            long d = ((CudaDeviceMemory.CudaBuffer) dst).address();
            try (CuFileBuffer rs = new CuFileBuffer(s, 4L * BLOCK); CuFileBuffer rd = new CuFileBuffer(d, 4L * BLOCK)) {
                assertEquals(2L * BLOCK, handle.write(s, 2L * BLOCK, 0, 0));
                assertEquals(2L * BLOCK, handle.read(d, 2L * BLOCK, 0, 0));
                if (Gds.hasBatch()) {
                    try (GdsBatch batch = new GdsBatch(4)) {
                        assertEquals(2L * BLOCK, batch.run(
                                new GdsBatch.Io(handle, s, BLOCK, 4L * BLOCK, 2L * BLOCK, true),
                                new GdsBatch.Io(handle, s, BLOCK, 5L * BLOCK, 3L * BLOCK, true)));
                        assertEquals(2L * BLOCK, batch.run(
                                new GdsBatch.Io(handle, d, BLOCK, 4L * BLOCK, 2L * BLOCK, false),
                                new GdsBatch.Io(handle, d, BLOCK, 5L * BLOCK, 3L * BLOCK, false)));
                    }
                } else {
                    assertEquals(2L * BLOCK, handle.write(s, 2L * BLOCK, 4L * BLOCK, 2L * BLOCK));
                    assertEquals(2L * BLOCK, handle.read(d, 2L * BLOCK, 4L * BLOCK, 2L * BLOCK));
                }
            }
            ByteBuffer back = ByteBuffer.allocate(4 * BLOCK);
            dst.copyToHost(0, back);
            assertArrayEquals(data, back.array());
        }
    }
}
