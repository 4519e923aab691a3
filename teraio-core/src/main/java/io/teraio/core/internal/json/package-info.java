/**
 * Not API (see {@link io.teraio.core.internal}): reading and writing the small JSON documents
 * of teraio (plans, hardware profiles, stats), with errors that name the file and the place.
 */
package io.teraio.core.internal.json;
