/**
 * teraio GDS bridge: the cuFile JNI shim, {@code GdsStorageBackend} and CUDA device memory.
 * Empty until the GDS bridge lands; see {@code ARCHITECTURE.md}.
 */
package io.teraio.gds;
