package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.teraio.core.internal.ProcessMemory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HostDeviceMemoryTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void buffersAreAlignedAndHoldTheirBytes() {
        try (HostDeviceMemory memory = new HostDeviceMemory(1 << 20)) {
            assertEquals("host", memory.name());
            DeviceBuffer buffer = memory.tryAllocate(10_000);
            assertEquals(10_000, buffer.bytes());
            ByteBuffer view = buffer.hostView(0, 10_000);
            assertTrue(view.isDirect());
            assertEquals(0, view.alignmentOffset(0, 4096), "O_DIRECT I/O goes straight into device buffers");

            byte[] text = "resident tensor".getBytes(StandardCharsets.US_ASCII);
            buffer.copyFromHost(100, ByteBuffer.wrap(text));
            ByteBuffer out = ByteBuffer.allocate(text.length);
            buffer.copyToHost(100, out);
            assertArrayEquals(text, out.array());
            byte[] viewed = new byte[text.length];
            buffer.hostView(100, text.length).get(viewed);
            assertArrayEquals(text, viewed);
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.hostView(9_000, 2_000));
            buffer.close();
        }
    }

    @Test
    void theArenasResidentBytesAreWhatItsBuffersTouchedAndStayAfterTheyAreFreed() {
        long mib = 1 << 20;
        try (HostDeviceMemory memory = new HostDeviceMemory(4 * mib)) {
            long fresh = memory.residentArenaBytes();
            assumeTrue(fresh != ProcessMemory.UNAVAILABLE, "/proc/self/pagemap cannot be read here");
            assertEquals(0, fresh, "nothing touched yet");
            DeviceBuffer a = memory.tryAllocate(mib);
            assertEquals(0, memory.residentArenaBytes(), "allocated but not written: no page in RAM");
            fill(a);
            assertEquals(mib, memory.residentArenaBytes());
            DeviceBuffer b = memory.tryAllocate(2 * mib);
            fill(b);
            assertEquals(3 * mib, memory.residentArenaBytes());
            a.close();
            b.close();
            assertEquals(3 * mib, memory.residentArenaBytes(), "the arena keeps its pages: the peak the system sees");
            DeviceBuffer c = memory.tryAllocate(3 * mib); // the same range again: no new page
            fill(c);
            assertEquals(3 * mib, memory.residentArenaBytes());
            c.close();
        }
        try (HostDeviceMemory none = HostDeviceMemory.withoutArena(4 * mib)) {
            assertEquals(ProcessMemory.UNAVAILABLE, none.residentArenaBytes());
        }
        HostDeviceMemory closed = new HostDeviceMemory(4 * mib);
        closed.close();
        assertEquals(ProcessMemory.UNAVAILABLE, closed.residentArenaBytes(), "the arena is freed");
    }

    private static void fill(DeviceBuffer buffer) {
        ByteBuffer page = ByteBuffer.allocateDirect(4096);
        for (long offset = 0; offset < buffer.bytes(); offset += page.capacity()) {
            page.clear();
            buffer.copyFromHost(offset, page);
        }
    }

    @Test
    void theCapacityIsEnforcedAndFreedBytesCountAgain() {
        try (HostDeviceMemory memory = new HostDeviceMemory(8192)) {
            DeviceBuffer a = memory.tryAllocate(6000);
            assertNull(memory.tryAllocate(3000));
            DeviceBuffer b = memory.tryAllocate(2192);
            assertEquals(8192, memory.usedBytes());
            a.close();
            a.close(); // idempotent: gives its bytes back once
            assertEquals(2192, memory.usedBytes());
            DeviceBuffer c = memory.tryAllocate(6000);
            assertNotNull(c);
            c.close();
            b.close();
            assertEquals(0, memory.usedBytes());
            assertEquals(8192, memory.peakUsedBytes());
            assertEquals(8192, memory.capacityBytes());
        }
    }

    @Test
    void overCapacityFailsAtOnce() {
        try (HostDeviceMemory memory = new HostDeviceMemory(4096)) {
            OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class,
                    () -> memory.allocate(8192, TimeUnit.DAYS.toNanos(1)));
            assertEquals("device memory (host): 8.00 KiB asked, more than its capacity of 4.00 KiB", e.getMessage());
            ExecutionException reserved = assertThrows(ExecutionException.class,
                    () -> memory.reserve(8192).get(0, TimeUnit.SECONDS));
            assertInstanceOf(OutOfDeviceMemoryException.class, reserved.getCause());
        }
    }

    @Test
    void aBlockingAllocationWakesWhenABufferIsFreed() throws Exception {
        try (HostDeviceMemory memory = new HostDeviceMemory(4096)) {
            DeviceBuffer held = memory.tryAllocate(4096);
            CompletableFuture<DeviceBuffer> got = MemoryBudgetTest.startBlocked(() -> memory.allocate(4096, 30 * SECOND));
            assertFalse(got.isDone());
            held.close();
            got.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void reservationsGetBuffersInOrderAndCancelledOnesTakeNothing() throws Exception {
        try (HostDeviceMemory memory = new HostDeviceMemory(10_000)) {
            DeviceBuffer held = memory.tryAllocate(10_000);
            CompletableFuture<DeviceBuffer> first = memory.reserve(6_000);
            CompletableFuture<DeviceBuffer> cancelled = memory.reserve(3_000);
            CompletableFuture<DeviceBuffer> last = memory.reserve(4_000);
            assertTrue(cancelled.cancel(false));
            held.close();
            DeviceBuffer a = first.get(10, TimeUnit.SECONDS);
            DeviceBuffer c = last.get(10, TimeUnit.SECONDS);
            assertEquals(6_000, a.bytes());
            assertEquals(4_000, c.bytes());
            assertEquals(10_000, memory.usedBytes(), "the cancelled reservation holds nothing");
            a.close();
            c.close();
            assertEquals(0, memory.usedBytes());
        }
    }

    @Test
    void aReservationNeverOvertakesAnEarlierOneThatDoesNotFit() throws Exception {
        try (HostDeviceMemory memory = new HostDeviceMemory(10_000)) {
            DeviceBuffer held = memory.tryAllocate(7_000);
            CompletableFuture<DeviceBuffer> big = memory.reserve(5_000);
            CompletableFuture<DeviceBuffer> small = memory.reserve(1_000);
            assertFalse(small.isDone(), "1000 bytes fit, but the 5000 asked first");
            held.close();
            big.get(10, TimeUnit.SECONDS).close();
            small.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void closeFailsWaitingReservationsAndLeavesLiveBuffersToTheirOwners() throws Exception {
        HostDeviceMemory memory = new HostDeviceMemory(4096);
        DeviceBuffer live = memory.tryAllocate(4096);
        CompletableFuture<DeviceBuffer> waiting = memory.reserve(4096);
        memory.close();
        memory.close();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertInstanceOf(OutOfDeviceMemoryException.class, failed.getCause());
        assertTrue(failed.getCause().getMessage().contains("closed"), failed.getCause().getMessage());
        assertThrows(IllegalStateException.class, () -> memory.tryAllocate(1));
        assertThrows(IllegalStateException.class, () -> memory.allocate(1, SECOND));
        assertThrows(IllegalStateException.class, () -> memory.reserve(1));

        live.hostView(0, 8).putLong(0, 42L); // still usable
        live.close();
        assertEquals(0, memory.usedBytes());
    }

    @Test
    void aBufferUsedAfterCloseThrows() {
        try (HostDeviceMemory memory = new HostDeviceMemory(4096)) {
            DeviceBuffer buffer = memory.tryAllocate(64);
            buffer.close();
            assertTrue(buffer.isClosed());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> buffer.hostView(0, 8));
            assertEquals("device buffer of 64 B (host) used after close", e.getMessage());
            assertThrows(IllegalStateException.class, () -> buffer.copyToHost(0, ByteBuffer.allocate(8)));
            assertThrows(IllegalStateException.class, () -> buffer.copyFromHost(0, ByteBuffer.allocate(8)));
            assertThrows(IllegalArgumentException.class, () -> memory.tryAllocate(0));
        }
    }
}
