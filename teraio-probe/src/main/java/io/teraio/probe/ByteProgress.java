package io.teraio.probe;

/**
 * Where a measurement shows its bytes as they complete: the CLI draws a bar on a terminal;
 * {@link #NONE} shows nothing. Tasks may be advanced from any thread.
 */
public interface ByteProgress {
    /** Shows nothing. */
    ByteProgress NONE = (name, totalBytes) -> Task.NONE;

    /** Starts showing a task of {@code totalBytes} called {@code name}; close the task when it is done. */
    Task start(String name, long totalBytes);

    /** One task's bytes; closing it (idempotent) ends what it shows. */
    interface Task extends AutoCloseable {
        /** Does nothing. */
        Task NONE = new Task() {
            @Override
            public void advance(long bytes) {
            }

            @Override
            public void close() {
            }
        };

        /** {@code bytes} more are done. */
        void advance(long bytes);

        @Override
        void close();
    }
}
