package io.teraio.core.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ExtentAllocatorTest {
    private static final int K4 = 4096;

    @Test
    void lengthsRoundUpToTheAlignmentAndTheEndGrows() {
        ExtentAllocator a = new ExtentAllocator(K4);
        assertEquals(0, a.allocate(1));
        assertEquals(K4, a.allocate(K4));
        assertEquals(2 * K4, a.allocate(K4 + 1));
        assertEquals(4 * K4, a.end());
        assertEquals(4 * K4, a.allocatedBytes());
        assertEquals(0, a.freeBytes());
    }

    @Test
    void freedSpaceIsReusedLowestOffsetFirst() {
        ExtentAllocator a = new ExtentAllocator(K4);
        long first = a.allocate(K4);
        long second = a.allocate(2 * K4);
        long third = a.allocate(K4);
        a.free(first, K4);
        a.free(third, K4);
        assertEquals(2 * K4, a.freeBytes());
        assertEquals(first, a.allocate(K4), "the lowest free range that fits");
        assertEquals(third, a.allocate(K4));
        assertEquals(4 * K4, a.end(), "reuse does not move the end");
        a.free(second, 2 * K4);
        assertEquals(second, a.allocate(K4));
        assertEquals(second + K4, a.allocate(K4));
        assertEquals(4 * K4, a.end());
    }

    @Test
    void neighboursCoalesceSoALargerExtentFits() {
        ExtentAllocator a = new ExtentAllocator(K4);
        long[] offsets = new long[4];
        for (int i = 0; i < 4; i++) {
            offsets[i] = a.allocate(K4);
        }
        long guard = a.allocate(K4);
        a.free(offsets[1], K4);
        a.free(offsets[3], K4);
        a.free(offsets[2], K4); // joins both neighbours
        a.free(offsets[0], K4);
        assertEquals(4 * K4, a.freeBytes());
        assertEquals(0, a.allocate(4 * K4), "four freed neighbours hold one extent of their size");
        assertEquals(guard + K4, a.end());
    }

    @Test
    void aFreeRangeAtTheEndIsExtendedRatherThanLeftBehind() {
        ExtentAllocator a = new ExtentAllocator(K4);
        a.allocate(K4);
        long tail = a.allocate(K4);
        a.free(tail, K4);
        assertEquals(tail, a.allocate(3 * K4));
        assertEquals(4 * K4, a.end());
        assertEquals(0, a.freeBytes());
    }

    @Test
    void alignmentOneKeepsExactLengths() {
        ExtentAllocator a = new ExtentAllocator(1);
        assertEquals(0, a.allocate(3));
        assertEquals(3, a.allocate(5));
        assertEquals(8, a.end());
    }

    @Test
    void doubleFreeAndFreeOfUnallocatedSpaceThrow() {
        ExtentAllocator a = new ExtentAllocator(K4);
        long offset = a.allocate(K4);
        a.allocate(K4);
        a.free(offset, K4);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> a.free(offset, K4));
        assertEquals("free of 4.00 KiB at offset 0: no allocation starts there (freed twice, or never allocated)",
                twice.getMessage());
        assertThrows(IllegalStateException.class, () -> a.free(10 * K4, K4));
        long other = a.allocate(2 * K4);
        IllegalStateException wrongLength = assertThrows(IllegalStateException.class, () -> a.free(other, K4));
        assertTrue(wrongLength.getMessage().contains("the allocation there is 8192 bytes"), wrongLength.getMessage());
        a.free(other, 2 * K4 - 100); // the length asked for is fine too
    }

    @Test
    void badArgumentsThrow() {
        assertThrows(IllegalArgumentException.class, () -> new ExtentAllocator(3000));
        assertThrows(IllegalArgumentException.class, () -> new ExtentAllocator(0));
        ExtentAllocator a = new ExtentAllocator(K4);
        assertThrows(IllegalArgumentException.class, () -> a.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> a.allocate(-K4));
    }

    @Test
    void randomWorkloadNeverHandsOutOverlappingRanges() {
        ExtentAllocator a = new ExtentAllocator(K4);
        Random random = new Random(42);
        List<long[]> live = new ArrayList<>();
        long everAllocated = 0;
        for (int step = 0; step < 20_000; step++) {
            if (!live.isEmpty() && random.nextInt(100) < 45) {
                long[] r = live.remove(random.nextInt(live.size()));
                a.free(r[0], r[1]);
            } else {
                long length = (1 + random.nextInt(16)) * (long) K4;
                live.add(new long[] {a.allocate(length), length});
                everAllocated += length;
            }
        }
        live.sort((x, y) -> Long.compare(x[0], y[0]));
        long sum = 0;
        for (int i = 0; i < live.size(); i++) {
            sum += live.get(i)[1];
            if (i > 0) {
                assertTrue(live.get(i - 1)[0] + live.get(i - 1)[1] <= live.get(i)[0], "overlap at " + i);
            }
        }
        assertEquals(sum, a.allocatedBytes());
        assertEquals(a.end(), a.allocatedBytes() + a.freeBytes());
        assertTrue(a.end() < everAllocated / 3, "freed space was reused: end " + a.end() + " after "
                + everAllocated + " bytes allocated");
    }

    @Test
    void concurrentAllocationsGetDistinctOffsets() throws Exception {
        ExtentAllocator a = new ExtentAllocator(K4);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 2_000; i++) {
                        long offset = a.allocate(K4);
                        if (i % 2 == 0) {
                            a.free(offset, K4);
                        } else {
                            mine.add(offset);
                        }
                    }
                    return mine;
                }));
            }
            Set<Long> all = new HashSet<>();
            for (Future<List<Long>> f : results) {
                for (long offset : f.get()) {
                    assertTrue(all.add(offset), "offset " + offset + " handed out twice");
                }
            }
            assertEquals(4_000L * K4, a.allocatedBytes());
            assertFalse(a.isAllocated(a.end(), 1));
        } finally {
            pool.shutdownNow();
        }
    }
}
