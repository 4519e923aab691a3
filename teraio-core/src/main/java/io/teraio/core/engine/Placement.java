package io.teraio.core.engine;

import io.teraio.core.Units;
import io.teraio.core.storage.Extent;
import io.teraio.core.storage.StorageBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where {@link IoEngine#allocate} put a tensor's bytes: one extent on one SSD or the host
 * tier, or, for {@link IoEngine#ANY_SSD}, one extent per SSD with the tensor's tasks striped
 * round-robin over them (task {@code i} on stripe {@code i % stripes} at {@code (i / stripes)
 * * taskSize} into its extent, so each SSD's share is sequential). It keeps what the last
 * write found of each task: its bytes all zero (nothing written, see {@code io.skipZeros}),
 * else, with verify, their CRC32C. Handed back to the engine that made it.
 */
public final class Placement {
    /** One stripe: an extent on one lane's backend (null where the stripe got no tasks). */
    record Segment(int lane, String laneName, StorageBackend backend, Extent extent) {
    }

    private static final long NO_CRC = -1;
    private static final long ZERO_TASK = -2;

    private final IoEngine owner;
    private final long bytes;
    private final int target;
    private final long taskSizeBytes;
    private final Segment[] stripes;
    private final AtomicLongArray crcs;
    private final AtomicBoolean released = new AtomicBoolean();

    Placement(IoEngine owner, long bytes, int target, long taskSizeBytes, Segment[] stripes) {
        this.owner = owner;
        this.bytes = bytes;
        this.target = target;
        this.taskSizeBytes = taskSizeBytes;
        this.stripes = stripes.clone();
        this.crcs = new AtomicLongArray(tasks());
        for (int i = 0; i < crcs.length(); i++) {
            crcs.set(i, NO_CRC);
        }
    }

    /** The bytes placed (before rounding up to the backends' alignment). */
    public long bytes() {
        return bytes;
    }

    /** What it was allocated on: an SSD id, {@link IoEngine#HOST} or {@link IoEngine#ANY_SSD}. */
    public int target() {
        return target;
    }

    /** Whether {@link IoEngine#release} has given its space back. */
    public boolean isReleased() {
        return released.get();
    }

    /** {@code ssd0 /nvme0/teraio-run-1/ssd0.data offset 8388608 (12.00 MiB), ssd1 ...}, for messages. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (Segment s : stripes) {
            if (s != null) {
                parts.add(s.laneName() + " " + s.backend().location() + " offset " + s.extent().offset() + " ("
                        + Units.formatBytes(s.extent().length()) + ")");
            }
        }
        return parts.isEmpty() ? "(no space: 0 bytes)" : String.join(", ", parts);
    }

    @Override
    public String toString() {
        return "placement of " + Units.formatBytes(bytes) + ": " + describe();
    }

    IoEngine owner() {
        return owner;
    }

    /** The number of tasks of {@code taskSizeBytes} the bytes split into. */
    int tasks() {
        return (int) ((bytes + taskSizeBytes - 1) / taskSizeBytes);
    }

    /** The segment task {@code task} goes to. */
    Segment segment(int task) {
        return stripes[task % stripes.length];
    }

    /** Where task {@code task} starts in its segment's extent. */
    long offsetInExtent(int task) {
        return (long) (task / stripes.length) * taskSizeBytes;
    }

    List<Segment> segments() {
        List<Segment> list = new ArrayList<>();
        for (Segment s : stripes) {
            if (s != null) {
                list.add(s);
            }
        }
        return list;
    }

    boolean markReleased() {
        return released.compareAndSet(false, true);
    }

    void recordCrc(int task, int crc) {
        crcs.set(task, crc & 0xFFFF_FFFFL);
    }

    /** A task written with bytes of its own: no CRC (verify off). */
    void recordWritten(int task) {
        crcs.set(task, NO_CRC);
    }

    /** A task whose bytes were all zero: it was not written and reads back as zeros. */
    void recordZero(int task) {
        crcs.set(task, ZERO_TASK);
    }

    /** Whether the last write of a task found its bytes all zero (so they are not on the backend). */
    boolean isZero(int task) {
        return crcs.get(task) == ZERO_TASK;
    }

    /** The CRC32C recorded for a task, or a negative number when none was. */
    long crc(int task) {
        return crcs.get(task);
    }
}
