package io.teraio.core.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.internal.ProcessMemory;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import sun.misc.Unsafe;

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

    /**
     * 64 MiB of 16 KiB blocks from malloc's heap (under the mmap threshold), touched, then all
     * freed but the last, which holds the top of the heap: glibc keeps the freed pages, in the
     * middle of its heap, resident until {@link NativeHeap#trim} gives them back.
     */
    @Test
    void trimGivesBackTheFreePagesInsideTheHeap() throws ReflectiveOperationException {
        assumeTrue(ProcessMemory.read().isPresent(), "the process's memory is measured on Linux only");
        Field field = Unsafe.class.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        Unsafe unsafe = (Unsafe) field.get(null);
        int block = 16 << 10;
        long[] blocks = new long[(64 << 20) / block];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = unsafe.allocateMemory(block);
            unsafe.setMemory(blocks[i], block, (byte) 1);
        }
        for (int i = 0; i < blocks.length - 1; i++) {
            unsafe.freeMemory(blocks[i]);
        }
        long kept = ProcessMemory.read().orElseThrow().rssBytes();
        assertNull(NativeHeap.trim(), "glibc trims");
        long trimmed = ProcessMemory.read().orElseThrow().rssBytes();
        unsafe.freeMemory(blocks[blocks.length - 1]);
        assertTrue(kept - trimmed >= 32L << 20, "trim gave back " + (kept - trimmed) + " bytes of about 64 MiB freed");
    }
}
