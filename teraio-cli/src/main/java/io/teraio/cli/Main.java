package io.teraio.cli;

import io.teraio.core.TeraioException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * Entry point of the {@code teraio} command.
 *
 * <p>Exit codes: 0 on success; 2 when the user's input is at fault (a missing, unreadable or
 * invalid file, a bad option), with one line on stderr naming the file and the problem; 1 on
 * an internal error. A stack trace is printed only with {@code --verbose}.
 */
public final class Main {
    /** Exit code for bad input or usage. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an internal error. */
    public static final int EXIT_INTERNAL = 1;

    private Main() {
    }

    public static void main(String[] args) {
        configureLogging(args);
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, args));
    }

    /** Runs the command line {@code args}, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        TeraioCommand root = new TeraioCommand();
        CommandLine cli = new CommandLine(root);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = root.verbose;
            if (isUserError(e)) {
                err.println(e.getMessage());
                if (verbose) {
                    e.printStackTrace(err);
                }
                return EXIT_USAGE;
            }
            err.println("teraio: internal error: " + e);
            if (verbose) {
                e.printStackTrace(err);
            } else {
                err.println("teraio: run again with --verbose for the stack trace");
            }
            return EXIT_INTERNAL;
        });
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine failed = e.getCommandLine();
            err.println("teraio: " + e.getMessage());
            err.println("Try 'teraio help " + subcommandPath(failed) + "' for usage.");
            return EXIT_USAGE;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static boolean isUserError(Exception e) {
        return e instanceof TeraioException || e instanceof UncheckedIOException;
    }

    private static String subcommandPath(CommandLine commandLine) {
        String name = commandLine.getCommandSpec().qualifiedName(" ");
        return name.startsWith("teraio") ? name.substring("teraio".length()).trim() : name;
    }

    /** slf4j-simple reads its settings once, so {@code --verbose} must be seen before any logger exists. */
    private static void configureLogging(String[] args) {
        for (String arg : args) {
            if ("--verbose".equals(arg) || "-v".equals(arg)) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
            }
        }
    }
}
