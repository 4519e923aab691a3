package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    private static final long GIB = 1L << 30;

    /**
     * Runs {@code call} on a thread of its own and returns once that thread is blocked in it
     * (or done): the future has its result, or fails with what it threw.
     */
    static <T> CompletableFuture<T> startBlocked(Callable<T> call) throws InterruptedException {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "blocked-caller");
        thread.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!result.isDone() && thread.getState() != Thread.State.TIMED_WAITING
                && thread.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "the caller never blocked: " + thread.getState());
            Thread.sleep(1);
        }
        return result;
    }

    @Test
    void takingNeverExceedsTheCapacity() {
        MemoryBudget budget = new MemoryBudget("host", 100);
        assertTrue(budget.tryTake(60));
        assertFalse(budget.tryTake(41));
        assertTrue(budget.tryTake(40));
        assertEquals(100, budget.used());
        budget.give(70);
        assertEquals(30, budget.used());
        assertEquals(100, budget.peak());
        assertEquals(100, budget.capacity());
        IllegalStateException over = assertThrows(IllegalStateException.class, () -> budget.give(31));
        assertEquals("device memory (host): gives back 31 bytes but only 30 are in use", over.getMessage());
    }

    @Test
    void moreThanTheCapacityFailsAtOnce() {
        MemoryBudget budget = new MemoryBudget("host", 4 * GIB);
        OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class,
                () -> budget.take(5 * GIB, TimeUnit.DAYS.toNanos(1)));
        assertEquals("device memory (host): 5.00 GiB asked, more than its capacity of 4.00 GiB", e.getMessage());
        CompletableFuture<Void> reservation = budget.reserve(5 * GIB);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> reservation.get(0, TimeUnit.SECONDS));
        assertInstanceOf(OutOfDeviceMemoryException.class, failed.getCause());
    }

    @Test
    void aTimedOutTakeNamesAskedUsedAndCapacity() {
        MemoryBudget budget = new MemoryBudget("host", 4 * GIB);
        assertTrue(budget.tryTake(3 * GIB + GIB / 2));
        OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class,
                () -> budget.take(GIB, TimeUnit.MILLISECONDS.toNanos(30)));
        assertEquals("device memory (host): 1.00 GiB asked, 3.50 GiB of 4.00 GiB in use, none freed within 30.00 ms",
                e.getMessage());
        assertEquals(3 * GIB + GIB / 2, budget.used());
    }

    @Test
    void aBlockedTakeWakesWhenBytesAreGivenBack() throws Exception {
        MemoryBudget budget = new MemoryBudget("host", 100);
        budget.tryTake(100);
        CompletableFuture<Void> took = startBlocked(() -> {
            budget.take(50, TimeUnit.SECONDS.toNanos(30));
            return null;
        });
        assertFalse(took.isDone());
        budget.give(30);
        Thread.sleep(20);
        assertFalse(took.isDone(), "30 bytes free are not 50");
        budget.give(20);
        took.get(10, TimeUnit.SECONDS);
        assertEquals(100, budget.used());
    }

    @Test
    void reservationsAreServedInOrderAndNeverOvertaken() {
        MemoryBudget budget = new MemoryBudget("host", 10);
        budget.tryTake(10);
        CompletableFuture<Void> a = budget.reserve(6);
        CompletableFuture<Void> b = budget.reserve(2);
        CompletableFuture<Void> c = budget.reserve(3);
        budget.give(4);
        assertFalse(a.isDone());
        assertFalse(b.isDone(), "b fits but a asked first");
        budget.give(2);
        assertTrue(a.isDone());
        assertFalse(b.isDone());
        budget.give(5);
        assertTrue(b.isDone());
        assertTrue(c.isDone());
        assertEquals(10, budget.used());
        assertEquals(0, budget.waitingReservations());
    }

    @Test
    void aReservationThatFitsWithNobodyWaitingIsServedAtOnce() {
        MemoryBudget budget = new MemoryBudget("host", 10);
        CompletableFuture<Void> r = budget.reserve(10);
        assertTrue(r.isDone());
        assertFalse(r.isCompletedExceptionally());
        assertEquals(10, budget.used());
    }

    @Test
    void aBlockedTakerGoesBeforeWaitingReservations() throws Exception {
        MemoryBudget budget = new MemoryBudget("host", 10);
        budget.tryTake(10);
        CompletableFuture<Void> prefetch = budget.reserve(4);
        CompletableFuture<Void> took = startBlocked(() -> {
            budget.take(4, TimeUnit.SECONDS.toNanos(30));
            return null;
        });
        budget.give(4);
        took.get(10, TimeUnit.SECONDS);
        assertFalse(prefetch.isDone(), "the op that runs now went first");
        budget.give(4);
        assertTrue(prefetch.isDone());
    }

    @Test
    void cancellingAReservationWithdrawsItAndUnblocksTheNext() {
        MemoryBudget budget = new MemoryBudget("host", 10);
        budget.tryTake(10);
        CompletableFuture<Void> big = budget.reserve(8);
        CompletableFuture<Void> small = budget.reserve(2);
        budget.give(2);
        assertFalse(small.isDone());
        assertTrue(big.cancel(false));
        assertTrue(small.isDone(), "served once the reservation before it is withdrawn");
        assertEquals(10, budget.used());
        budget.give(10);
        assertEquals(0, budget.used(), "the cancelled reservation took nothing");
        assertEquals(0, budget.waitingReservations());
    }

    @Test
    void closeFailsWaitersAndLaterCallsButStillTakesBytesBack() throws Exception {
        MemoryBudget budget = new MemoryBudget("host", 10);
        budget.tryTake(10);
        CompletableFuture<Void> waiting = budget.reserve(5);
        CompletableFuture<Void> taker = startBlocked(() -> {
            budget.take(5, TimeUnit.SECONDS.toNanos(30));
            return null;
        });
        budget.close();
        budget.close();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertInstanceOf(OutOfDeviceMemoryException.class, failed.getCause());
        assertEquals("device memory (host): closed while a reservation of 5 B waited", failed.getCause().getMessage());
        Throwable t = assertThrows(ExecutionException.class, () -> taker.get(10, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(OutOfDeviceMemoryException.class, t);
        assertEquals("device memory (host): closed while 5 B were asked", t.getMessage());

        assertThrows(IllegalStateException.class, () -> budget.tryTake(1));
        assertThrows(IllegalStateException.class, () -> budget.reserve(1));
        assertThrows(IllegalStateException.class, () -> budget.take(1, 0));
        budget.give(10);
        assertEquals(0, budget.used());
    }

    @Test
    void underConcurrentTakersAndReservationsTheCapacityHolds() throws Exception {
        MemoryBudget budget = new MemoryBudget("host", 1000);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int id = t;
                work.add(pool.submit(() -> {
                    Random random = new Random(id);
                    for (int i = 0; i < 2_000; i++) {
                        long bytes = 1 + random.nextInt(300);
                        if (id % 2 == 0) {
                            budget.take(bytes, TimeUnit.SECONDS.toNanos(30));
                        } else {
                            CompletableFuture<Void> r = budget.reserve(bytes);
                            if (i % 7 == 0 && r.cancel(false)) {
                                continue;
                            }
                            r.get(30, TimeUnit.SECONDS);
                        }
                        assertTrue(budget.used() <= 1000);
                        budget.give(bytes);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, budget.used());
        assertTrue(budget.peak() <= 1000, "peak " + budget.peak());
        assertEquals(0, budget.waitingReservations());
    }
}
