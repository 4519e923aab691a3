package io.teraio.core.storage;

import io.teraio.core.Units;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The capacity accounting of one {@link DeviceMemory}: bytes are taken and given back, and the
 * bytes taken never exceed the capacity. Three ways to take: {@link #tryTake} (now or not),
 * {@link #take} (blocking, for the op that runs now) and {@link #reserve} (a future, for
 * prefetches). Blocked takers go before waiting reservations; reservations are served in the
 * order they were made, and a later one never overtakes an earlier one that does not fit yet.
 * Thread-safe. Futures are completed outside the lock, on the thread that gave bytes back (or
 * made the reservation), so their callbacks may take and give.
 *
 * <p>{@link #close()} fails waiting reservations and takers; {@link #give} still works after it
 * (live buffers are freed later), anything else throws {@link IllegalStateException}.
 */
public final class MemoryBudget implements AutoCloseable {
    private final String name;
    private final long capacityBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private final Deque<Reservation> reservations = new ArrayDeque<>();
    /** Written under the lock; volatile so that the getters need not take it. */
    private volatile long usedBytes;
    private volatile long peakBytes;
    private volatile boolean closed;
    private int blockedTakers;

    private record Reservation(long bytes, CompletableFuture<Void> future) {
    }

    /**
     * @param name          the memory's name for messages ({@code host}, {@code cuda})
     * @param capacityBytes the most bytes that may be taken at once (positive)
     */
    public MemoryBudget(String name, long capacityBytes) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("device memory (" + name + "): capacityBytes " + capacityBytes
                    + " must be positive");
        }
        this.name = name;
        this.capacityBytes = capacityBytes;
    }

    /** Takes {@code bytes} if they fit now (whoever waits); returns whether it did. */
    public boolean tryTake(long bytes) {
        checkBytes(bytes);
        lock.lock();
        try {
            checkOpen();
            if (bytes > capacityBytes - usedBytes) {
                return false;
            }
            add(bytes);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes {@code bytes}, waiting up to {@code timeoutNanos} for them to be given back; goes
     * before waiting reservations.
     *
     * @throws OutOfDeviceMemoryException at once if {@code bytes} exceeds the capacity, when
     *                                    the wait times out, or when the budget closes
     * @throws InterruptedException       if interrupted while waiting
     */
    public void take(long bytes, long timeoutNanos) throws InterruptedException {
        checkBytes(bytes);
        List<Reservation> served = List.of();
        lock.lock();
        try {
            checkOpen();
            checkCapacity(bytes);
            if (bytes <= capacityBytes - usedBytes) {
                add(bytes);
                return;
            }
            long left = timeoutNanos;
            blockedTakers++;
            try {
                while (bytes > capacityBytes - usedBytes && !closed) {
                    if (left <= 0) {
                        throw new OutOfDeviceMemoryException(prefix() + Units.formatBytes(bytes) + " asked, "
                                + Units.formatBytes(usedBytes) + " of " + Units.formatBytes(capacityBytes)
                                + " in use, none freed within " + Units.formatNanos(timeoutNanos));
                    }
                    left = freed.awaitNanos(left);
                }
                if (closed) {
                    throw new OutOfDeviceMemoryException(prefix() + "closed while " + Units.formatBytes(bytes)
                            + " were asked");
                }
                add(bytes);
            } finally {
                blockedTakers--;
                if (blockedTakers == 0) {
                    served = serve();
                }
            }
        } finally {
            lock.unlock();
            complete(served);
        }
    }

    /**
     * A future that completes once {@code bytes} are taken for it, after every reservation made
     * before it and after blocked takers. Fails at once with {@link OutOfDeviceMemoryException}
     * if {@code bytes} exceeds the capacity. Cancelling it (or completing it any other way)
     * withdraws the reservation; bytes already taken for it are given back.
     */
    public CompletableFuture<Void> reserve(long bytes) {
        checkBytes(bytes);
        CompletableFuture<Void> future = new CompletableFuture<>();
        List<Reservation> served;
        lock.lock();
        try {
            checkOpen();
            if (bytes > capacityBytes) {
                future.completeExceptionally(new OutOfDeviceMemoryException(overCapacity(bytes)));
                return future;
            }
            Reservation reservation = new Reservation(bytes, future);
            reservations.addLast(reservation);
            served = blockedTakers == 0 ? serve() : List.of();
            if (!served.contains(reservation)) {
                future.whenComplete((v, failure) -> {
                    if (failure != null) {
                        withdraw(reservation);
                    }
                });
            }
        } finally {
            lock.unlock();
        }
        complete(served);
        return future;
    }

    private void withdraw(Reservation reservation) {
        List<Reservation> served;
        lock.lock();
        try {
            if (!reservations.remove(reservation)) {
                return; // served (and given back by complete) or failed by close
            }
            served = blockedTakers == 0 ? serve() : List.of();
        } finally {
            lock.unlock();
        }
        complete(served);
    }

    /** Gives back {@code bytes} taken before, waking takers and serving reservations in order. */
    public void give(long bytes) {
        checkBytes(bytes);
        List<Reservation> served;
        lock.lock();
        try {
            if (bytes > usedBytes) {
                throw new IllegalStateException(prefix() + "gives back " + bytes + " bytes but only " + usedBytes
                        + " are in use");
            }
            usedBytes -= bytes;
            freed.signalAll();
            served = blockedTakers == 0 ? serve() : List.of();
        } finally {
            lock.unlock();
        }
        complete(served);
    }

    /** Takes bytes for the reservations at the head of the queue that fit; under the lock. */
    private List<Reservation> serve() {
        List<Reservation> served = new ArrayList<>();
        while (!closed && !reservations.isEmpty() && reservations.peekFirst().bytes() <= capacityBytes - usedBytes) {
            Reservation next = reservations.pollFirst();
            add(next.bytes());
            served.add(next);
        }
        return served;
    }

    /** Completes served reservations outside the lock; one already cancelled gives its bytes back. */
    private void complete(List<Reservation> served) {
        for (Reservation r : served) {
            if (!r.future().complete(null)) {
                give(r.bytes());
            }
        }
    }

    private void add(long bytes) {
        usedBytes += bytes;
        peakBytes = Math.max(peakBytes, usedBytes);
    }

    /** The bytes taken now. */
    public long used() {
        return usedBytes;
    }

    /** The most bytes taken at once so far. */
    public long peak() {
        return peakBytes;
    }

    public long capacity() {
        return capacityBytes;
    }

    public String name() {
        return name;
    }

    /** Reservations waiting for bytes. */
    public int waitingReservations() {
        lock.lock();
        try {
            return reservations.size();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Fails waiting reservations and takers with {@link OutOfDeviceMemoryException}; idempotent. */
    @Override
    public void close() {
        List<Reservation> failed;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            failed = new ArrayList<>(reservations);
            reservations.clear();
            freed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Reservation r : failed) {
            r.future().completeExceptionally(new OutOfDeviceMemoryException(prefix() + "closed while a reservation"
                    + " of " + Units.formatBytes(r.bytes()) + " waited"));
        }
    }

    private void checkCapacity(long bytes) {
        if (bytes > capacityBytes) {
            throw new OutOfDeviceMemoryException(overCapacity(bytes));
        }
    }

    private String overCapacity(long bytes) {
        return prefix() + Units.formatBytes(bytes) + " asked, more than its capacity of "
                + Units.formatBytes(capacityBytes);
    }

    private String prefix() {
        return "device memory (" + name + "): ";
    }

    private static void checkBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("device memory: bytes " + bytes + " must not be negative");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("device memory (" + name + ") used after close");
        }
    }

    @Override
    public String toString() {
        return "device memory (" + name + "): " + Units.formatBytes(used()) + " of "
                + Units.formatBytes(capacityBytes) + " in use";
    }
}
