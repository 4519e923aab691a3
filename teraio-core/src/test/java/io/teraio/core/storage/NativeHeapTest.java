package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Memory the engine frees leaves the process: measured by the kernel (VmRSS), not by a counter of ours. */
class NativeHeapTest {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long BLOCK = 24L << 20;

    @Test
    void aClosedBlockGivesItsPagesBackToTheSystem() throws IOException {
        assumeTrue(Files.isReadable(STATUS), "no /proc/self/status: not Linux");
        long before = rssBytes();
        NativeBlock block = NativeBlock.allocate(BLOCK);
        ByteBuffer page = ByteBuffer.allocate(1);
        for (long at = 0; at < BLOCK; at += 4096) {
            block.view(at, 1).put(page.clear());
        }
        long touched = rssBytes();
        block.close();
        long after = rssBytes();
        assertTrue(touched - before > BLOCK * 9 / 10, "touching the block made it resident: " + before + " -> "
                + touched);
        assertTrue(touched - after > BLOCK * 9 / 10, "closing it gave it back: " + touched + " -> " + after);
    }

    @Test
    void blocksAreAlignedAndHoldTheirBytes() {
        for (long bytes : new long[] {100, NativeBlock.MAP_MIN_BYTES, 3 * NativeBlock.MAP_MIN_BYTES + 17}) {
            try (NativeBlock block = NativeBlock.allocate(bytes)) {
                assertEquals(0, block.address() % NativeBlock.ALIGNMENT);
                block.view(bytes - 8, 8).putLong(0, 0x1234_5678_9abcL);
                assertEquals(0x1234_5678_9abcL, block.view(bytes - 8, 8).getLong(0));
            }
        }
    }

    @Test
    void theMmapThresholdIsSetOnGlibcAndCheckedEverywhere() {
        assumeTrue(Files.isReadable(STATUS), "no /proc/self/status: not Linux");
        assertNull(NativeHeap.setMmapThreshold(NativeHeap.MAX_MMAP_THRESHOLD_BYTES), "glibc takes its largest");
        assertNull(NativeHeap.trim());
        assertThrows(IllegalArgumentException.class, () -> NativeHeap.setMmapThreshold(0));
        assertThrows(IllegalArgumentException.class,
                () -> NativeHeap.setMmapThreshold(NativeHeap.MAX_MMAP_THRESHOLD_BYTES + 1));
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in " + STATUS);
    }
}
