package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Native blocks and glibc's mmap threshold. That a closed block's pages leave the process, as
 * the kernel counts them, is {@code ProcessMemoryTest}'s.
 */
class NativeHeapTest {
    private static final Path STATUS = Path.of("/proc/self/status");

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
        assertThrows(IllegalArgumentException.class, () -> NativeHeap.setMmapThreshold(0));
        assertThrows(IllegalArgumentException.class,
                () -> NativeHeap.setMmapThreshold(NativeHeap.MAX_MMAP_THRESHOLD_BYTES + 1));
    }
}
