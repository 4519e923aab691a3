package io.teraio.core.engine;

import io.teraio.core.storage.DeviceBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The tensors a {@link MigrationEngine} knows, by key: each one's state, its device buffer
 * (while RESIDENT or OFFLOADING), its {@link Placement} (while OFFLOADING, OFFLOADED or
 * PREFETCHING), its size and the operation in flight. Thread-safe; the engine changes an
 * entry only while holding the entry's monitor.
 */
final class TensorTable {
    /** One tensor; every field is guarded by the entry's monitor. */
    static final class Entry {
        final String key;
        final long bytes;
        TensorState state = TensorState.RESIDENT;
        DeviceBuffer buffer;
        Placement placement;
        /** The offload or fetch in flight; completes after the state has changed. */
        CompletableFuture<Long> pending;
        /** A prefetch's memory reservation while it may still be waiting. */
        CompletableFuture<DeviceBuffer> reservation;
        /** An acquire came while OFFLOADING: keep the buffer when the write completes. */
        boolean keepResident;
        /** {@link MigrationEngine#free} has begun: no new operations. */
        boolean freeing;
        /** Registered with {@link MigrationEngine#registerWithCopy}: a read keeps its placement as {@link #copy}. */
        boolean keepsCopy;
        /** A placement holding the bytes the buffer has now: its last read's, or the one it was registered with. */
        Placement copy;
        /** {@link #copy} came with the registration, vouched for: the next offload takes it instead of writing. */
        boolean copyVouched;

        /** Makes the buffer a read brings the tensor back into, or null for one of the engine's memory. */
        final Supplier<DeviceBuffer> landing;

        Entry(String key, DeviceBuffer buffer, Supplier<DeviceBuffer> landing) {
            this.key = key;
            this.bytes = buffer.bytes();
            this.buffer = buffer;
            this.landing = landing;
        }
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /** The number of tensors. */
    public int size() {
        return entries.size();
    }

    /** The keys, in no particular order (a snapshot). */
    public List<String> keys() {
        return new ArrayList<>(entries.keySet());
    }

    /** The tensor's state, or {@code null} for a key the table does not hold. */
    public TensorState state(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        synchronized (e) {
            return e.state;
        }
    }

    /** The tensor's size in bytes, or -1 for a key the table does not hold. */
    public long bytes(String key) {
        Entry e = entries.get(key);
        return e == null ? -1 : e.bytes;
    }

    /** {@code OFFLOADED at ssd0 /nvme0/... offset 0 (4.00 MiB)}, or {@code RESIDENT}; {@code null} when unknown. */
    public String describe(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        synchronized (e) {
            return e.placement == null ? e.state.name() : e.state + " at " + e.placement.describe();
        }
    }

    Entry get(String key) {
        return entries.get(key);
    }

    /** Adds an entry; {@code false} when the key is taken. */
    boolean add(Entry entry) {
        return entries.putIfAbsent(entry.key, entry) == null;
    }

    void remove(Entry entry) {
        entries.remove(entry.key, entry);
    }

    List<Entry> entries() {
        return new ArrayList<>(entries.values());
    }
}
