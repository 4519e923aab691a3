/** The runtime's one configuration record, {@link io.teraio.core.config.TeraioConfig}, and how it is resolved. */
package io.teraio.core.config;
