package io.teraio.planner.sim;

/**
 * One device's pending events in time order, the earlier scheduled first among equal times;
 * an event is its type and an id (a transfer, a link or a lane's task slot) packed in one int.
 * A handler checks that the event still stands (a rescheduled completion leaves its old event
 * behind).
 */
final class EventQueue {
    /** The running op ends. */
    static final int OP_END = 0;
    /** A transfer's SSD latency ends (id: the transfer). */
    static final int LATENCY_END = 1;
    /** A transfer from or to an SSD has its bytes moved (id: the transfer). */
    static final int FLOW_END = 2;
    /** The host flow first to finish on a link has its bytes moved (id: the link). */
    static final int HOST_FLOW_END = 3;
    /** A task on a lane (engine model) ends its latency or its bytes (id: the task's slot). */
    static final int TASK = 4;
    /** The compute stream has issued the reached op's entries (engine model: their overhead is over). */
    static final int ISSUED = 5;

    private final MinHeap heap = new MinHeap();
    private long seq;

    void schedule(long at, int type, int id) {
        heap.push(at, ++seq, (id << 3) | type);
    }

    boolean isEmpty() {
        return heap.isEmpty();
    }

    /** When the next event is. */
    long nextNs() {
        return heap.peekFirst();
    }

    /** Removes the next event and returns it: {@link #type} and {@link #id} read it. */
    int pop() {
        return heap.pop();
    }

    static int type(int event) {
        return event & 7;
    }

    static int id(int event) {
        return event >>> 3;
    }
}
