/**
 * teraio core: the errors every module reports through ({@link io.teraio.core.TeraioException})
 * and {@link io.teraio.core.Units} (sizes and rates as users write them). Model records and
 * their formats live in sub-packages; what the modules share that is not API is in
 * {@link io.teraio.core.internal}.
 * This module never imports DJL, JCuda or JNI.
 */
package io.teraio.core;
