/**
 * The {@code teraio} command: picocli front end over the library. {@link io.teraio.cli.Main}
 * maps errors to exit codes: 0 success, 2 bad input or usage, 3 a data or storage failure, 1 an
 * internal error. The root command ({@code TeraioCommand}) lists the subcommands, which live in
 * packages by concern ({@link io.teraio.cli.trace}, {@link io.teraio.cli.plan},
 * {@link io.teraio.cli.engine}, {@link io.teraio.cli.demo}); what they share is here: the
 * progress bars ({@link io.teraio.cli.Progress}), a summary's rows
 * ({@link io.teraio.cli.SummaryRows}), the hardware flags ({@link io.teraio.cli.HardwareOptions})
 * and the names of the files one {@code -o} stands for ({@link io.teraio.cli.FileNames}).
 */
package io.teraio.cli;
