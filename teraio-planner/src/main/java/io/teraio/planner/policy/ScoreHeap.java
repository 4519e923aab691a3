package io.teraio.planner.policy;

import java.util.Arrays;

/** A binary max-heap of (score, id) pairs on primitive arrays. */
final class ScoreHeap {
    private double[] score = new double[64];
    private int[] id = new int[64];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    void push(int item, double value) {
        if (size == score.length) {
            score = Arrays.copyOf(score, 2 * size);
            id = Arrays.copyOf(id, 2 * size);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (score[parent] >= value) {
                break;
            }
            score[i] = score[parent];
            id[i] = id[parent];
            i = parent;
        }
        score[i] = value;
        id[i] = item;
    }

    /** The best score, or negative infinity when empty. */
    double peekScore() {
        return size == 0 ? Double.NEGATIVE_INFINITY : score[0];
    }

    /** Removes the best pair and returns its id. */
    int pop() {
        int top = id[0];
        size--;
        if (size > 0) {
            double value = score[size];
            int item = id[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && score[child + 1] > score[child]) {
                    child++;
                }
                if (score[child] <= value) {
                    break;
                }
                score[i] = score[child];
                id[i] = id[child];
                i = child;
            }
            score[i] = value;
            id[i] = item;
        }
        return top;
    }
}
