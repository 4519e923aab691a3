package io.teraio.core.hardware;

/**
 * One accelerator.
 *
 * @param id                 its index, as in a trace's tensor {@code device}
 * @param memoryBytes        device memory available to the job's tensors (positive)
 * @param pcieBytesPerSecond host link bandwidth in each direction (positive)
 */
public record Device(int id, long memoryBytes, long pcieBytesPerSecond) {
}
