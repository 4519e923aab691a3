/**
 * The {@code teraio} command: picocli front end over the library. {@link io.teraio.cli.Main}
 * maps errors to exit codes: 0 success, 2 bad input or usage, 1 an internal error.
 */
package io.teraio.cli;
