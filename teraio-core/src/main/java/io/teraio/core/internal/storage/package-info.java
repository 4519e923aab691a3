/**
 * Not API (see {@link io.teraio.core.internal}): what the storage backends and device memories
 * are built from. {@link io.teraio.core.internal.storage.Posix} is the one caller of teraio's
 * POSIX JNI library ({@code fallocate}, {@code mmap}, {@code posix_memalign}, {@code mallopt},
 * {@code malloc_trim}), loaded by {@link io.teraio.core.internal.storage.NativeLibraries} (also
 * the GDS shim's and the torch bridge's loader); {@link io.teraio.core.internal.storage.NativeBlock}
 * is aligned off-heap memory freed on close, {@link io.teraio.core.internal.storage.NativeHeap}
 * glibc's heap settings, and {@link io.teraio.core.internal.storage.ExtentAllocator} hands out
 * the space of a preallocated file or arena.
 */
package io.teraio.core.internal.storage;
