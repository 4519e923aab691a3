/**
 * teraio core: the errors every module reports through ({@link io.teraio.core.TeraioException})
 * and small shared helpers. Model records and their formats live in sub-packages.
 * This module never imports DJL, JCuda or JNI.
 */
package io.teraio.core;
