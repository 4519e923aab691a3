package io.teraio.planner.sim;

import java.util.Arrays;

/**
 * A binary min-heap of int values ordered by two long keys, first then second, in primitive
 * arrays (nothing is allocated per push once it has grown). The simulator uses it for its
 * event queue (time, sequence), its SSD channel queues (urgency, issue order) and its memory
 * queue (deadline, issue order). Equal key pairs come out in no particular order; every user
 * makes its second key unique.
 */
final class MinHeap {
    private long[] first = new long[16];
    private long[] second = new long[16];
    private int[] values = new int[16];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long peekFirst() {
        return first[0];
    }

    int peekValue() {
        return values[0];
    }

    void push(long a, long b, int value) {
        if (size == values.length) {
            first = Arrays.copyOf(first, size * 2);
            second = Arrays.copyOf(second, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(a, b, first[parent], second[parent])) {
                break;
            }
            set(i, first[parent], second[parent], values[parent]);
            i = parent;
        }
        set(i, a, b, value);
    }

    /** Removes the smallest entry and returns its value. */
    int pop() {
        int top = values[0];
        int last = --size;
        if (last > 0) {
            long a = first[last];
            long b = second[last];
            int value = values[last];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= last) {
                    break;
                }
                if (child + 1 < last && less(first[child + 1], second[child + 1], first[child], second[child])) {
                    child++;
                }
                if (!less(first[child], second[child], a, b)) {
                    break;
                }
                set(i, first[child], second[child], values[child]);
                i = child;
            }
            set(i, a, b, value);
        }
        return top;
    }

    private void set(int i, long a, long b, int value) {
        first[i] = a;
        second[i] = b;
        values[i] = value;
    }

    private static boolean less(long a1, long b1, long a2, long b2) {
        return a1 < a2 || (a1 == a2 && b1 < b2);
    }
}
