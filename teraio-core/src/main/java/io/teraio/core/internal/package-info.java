/**
 * Not API: the parts of teraio's modules that they share with each other and users do not
 * call. What is here may change or go in any release. The packages beside it
 * ({@code core.trace}, {@code core.lifetime}, {@code core.plan}, {@code core.hardware},
 * {@code core.config}, {@code core.session}, {@code core.engine}, {@code core.storage} and this
 * module's root) are the API and the SPIs; none of their public or protected signatures names a type of an
 * {@code internal} package ({@code InternalPackagesTest}).
 *
 * <p>Here: {@link io.teraio.core.internal.ControlCharacters} (escaping what a message quotes),
 * {@link io.teraio.core.internal.Gzip} and {@link io.teraio.core.internal.MeteredInputStream}
 * (reading traces), {@link io.teraio.core.internal.ProcessMemory} (the process's RSS and peak
 * from {@code /proc}); {@code internal.json} (reading and writing teraio's JSON documents);
 * {@code internal.storage} (the POSIX JNI calls, aligned native memory, extents).
 */
package io.teraio.core.internal;
