package io.teraio.core.engine;

/** Where a tensor the {@link MigrationEngine} knows is, and what is under way for it. */
public enum TensorState {
    /** In device memory, nothing in flight. */
    RESIDENT,
    /** In device memory and being written to storage; the memory is freed when the write completes. */
    OFFLOADING,
    /** On storage only; its device memory is free. */
    OFFLOADED,
    /** On storage and being read back into a new device buffer. */
    PREFETCHING
}
