package io.teraio.planner.policy;

import java.util.Arrays;

/** The buckets one transfer claimed bandwidth in: (unrolled position, bytes) pairs. */
final class ClaimLog {
    private int[] position = new int[4];
    private long[] bytes = new long[4];
    private int size;

    void add(int pos, long amount) {
        if (size == position.length) {
            position = Arrays.copyOf(position, 2 * size);
            bytes = Arrays.copyOf(bytes, 2 * size);
        }
        position[size] = pos;
        bytes[size] = amount;
        size++;
    }

    /** Bytes claimed at positions in {@code [from, to)}. */
    long sum(int from, int to) {
        long total = 0;
        for (int i = 0; i < size; i++) {
            if (position[i] >= from && position[i] < to) {
                total += bytes[i];
            }
        }
        return total;
    }
}
