package io.teraio.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.internal.storage.NativeBlock;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
    private static final long MIB = 1 << 20;
    private static final long BLOCK_BYTES = 64 * MIB;

    @Test
    void parsesTheKibLinesOfProcStatus() {
        ProcessMemory m = ProcessMemory.parse("Name:\tjava\nVmPeak:\t 3060 kB\nVmHWM:\t    1608 kB\n"
                + "VmRSS:\t    1500 kB\nThreads:\t1\n");
        assertEquals(1500 * 1024, m.rssBytes());
        assertEquals(1608 * 1024, m.peakRssBytes());
        TeraioException e = assertThrows(TeraioException.class, () -> ProcessMemory.parse("VmRSS:\t1 kB\n"));
        assertTrue(e.getMessage().contains("VmHWM"), e.getMessage());
        assertThrows(TeraioException.class, () -> ProcessMemory.parse("VmRSS:\t1 MB\nVmHWM:\t1 kB\n"));
    }

    @Test
    void touchedNativeMemoryShowsInRssAndPeakAndResetBringsThePeakDown() {
        assumeTrue(ProcessMemory.read().isPresent(), "no /proc/self/status: " + ProcessMemory.unavailableReason());
        assertNull(ProcessMemory.unavailableReason());
        ProcessMemory before = ProcessMemory.read().orElseThrow();
        ProcessMemory touched;
        try (NativeBlock block = NativeBlock.allocate(BLOCK_BYTES)) {
            ByteBuffer page = ByteBuffer.allocateDirect(NativeBlock.ALIGNMENT);
            for (long offset = 0; offset < BLOCK_BYTES; offset += NativeBlock.ALIGNMENT) {
                page.clear().putLong(0, offset);
                block.copyFrom(offset, page);
            }
            touched = ProcessMemory.read().orElseThrow();
        }
        ProcessMemory freed = ProcessMemory.read().orElseThrow();
        long grown = touched.rssBytes() - before.rssBytes();
        // 64 MiB, give or take what the JVM itself did meanwhile
        assertTrue(grown > 56 * MIB && grown < 96 * MIB, "RSS grew by " + Units.formatBytes(grown));
        // the peak covers the block (it may have been higher already: other tests ran in this JVM)
        assertTrue(touched.peakRssBytes() >= touched.rssBytes(), before + " then " + touched);
        long dropped = touched.rssBytes() - freed.rssBytes();
        assertTrue(dropped > 56 * MIB, "RSS fell by " + Units.formatBytes(dropped) + " when the block was freed");
        // the kernel updates the peak lazily (at unmaps), so it may miss the last pages before the free
        assertTrue(freed.peakRssBytes() >= touched.rssBytes() - 4 * MIB, "the peak stays after the free: "
                + touched + " then " + freed);

        assumeTrue(ProcessMemory.resetPeak(), "/proc/self/clear_refs is not writable here");
        ProcessMemory reset = ProcessMemory.read().orElseThrow();
        assertTrue(reset.peakRssBytes() < touched.rssBytes() - 32 * MIB, "after the reset: " + reset);
        assertTrue(reset.peakRssBytes() >= reset.rssBytes() - MIB, "after the reset: " + reset);
        assertEquals(reset.peakRssBytes(), ProcessMemory.peakRssBytesNow(), 16 * MIB);
    }

    @Test
    void residentBytesCountsThePagesOfARangeThatAreInRam() {
        try (NativeBlock block = NativeBlock.allocate(MIB)) { // an anonymous mapping of its own: no page yet
            long before = ProcessMemory.residentBytes(block.address(), MIB);
            assumeTrue(before != ProcessMemory.UNAVAILABLE, "/proc/self/pagemap cannot be read here");
            assertEquals(0, before, "a fresh mapping has no page in RAM");
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            for (long page : new long[] {0, 5, 255}) {
                one.clear();
                block.copyFrom(page * ProcessMemory.PAGE_BYTES + 17, one);
            }
            assertEquals(3 * ProcessMemory.PAGE_BYTES, ProcessMemory.residentBytes(block.address(), MIB));
            // a range counts the pages it touches, whole: page 5 alone, from its middle
            assertEquals(ProcessMemory.PAGE_BYTES,
                    ProcessMemory.residentBytes(block.address() + 5 * ProcessMemory.PAGE_BYTES + 100, 10));
            assertEquals(0, ProcessMemory.residentBytes(block.address() + ProcessMemory.PAGE_BYTES,
                    4 * ProcessMemory.PAGE_BYTES), "pages 1 to 4 were never touched");
            assertEquals(0, ProcessMemory.residentBytes(block.address(), 0));
        }
    }
}
