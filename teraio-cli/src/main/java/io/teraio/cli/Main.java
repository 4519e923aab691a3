package io.teraio.cli;

import io.teraio.core.TeraioException;
import io.teraio.core.storage.StorageException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code teraio} command.
 *
 * <p>Exit codes (docs/cli.md): 0 on success; 2 when the user's input is at fault (a missing,
 * unreadable or invalid file, a bad option), with one line on stderr naming the file and the
 * problem; 3 when data or storage failed (a CRC mismatch, EIO, ENOSPC), with what was done so
 * far; 1 on an internal error, one line asking for a report. A stack trace is printed only
 * with {@code --verbose}. Everything printed goes through {@link TerminalWriter}.
 */
public final class Main {
    private static final Pattern UNKNOWN_SUBCOMMAND = Pattern.compile("Unknown subcommand '(.*)'\\.");

    /** Exit code for bad input or usage. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an internal error. */
    public static final int EXIT_INTERNAL = 1;
    /** Exit code for a data or storage failure: bytes came back wrong, or the storage failed. */
    public static final int EXIT_DATA = 3;

    private Main() {
    }

    public static void main(String[] args) {
        configureLogging(args);
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        // log lines are printed to System.err by slf4j-simple: escape them as the command's own output is
        System.setErr(TerminalWriter.escapingStream(System.err));
        System.exit(run(out, err, args));
    }

    /** Runs the command line {@code args}, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintWriter rawOut, PrintWriter rawErr, String... args) {
        PrintWriter out = TerminalWriter.of(rawOut);
        PrintWriter err = TerminalWriter.of(rawErr);
        TeraioCommand root = new TeraioCommand();
        CommandLine cli = new CommandLine(root);
        TeraioCommand.addHelpToSubcommands(cli);
        TeraioCommand.listCommandsInFull(cli);
        TeraioCommand.reflowDescriptions(cli);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failed(e, root.verbose(), err));
        cli.setParameterExceptionHandler((e, arguments) -> {
            err.println("teraio: " + usageProblem(e));
            return EXIT_USAGE;
        });
        int code;
        try {
            code = cli.execute(args);
        } catch (Throwable e) {
            // picocli hands only Exceptions to the handler; an Error (a stack overflow, no heap) ends here
            code = failed(e, root.verbose(), err);
        }
        out.flush();
        err.flush();
        return code;
    }

    /** Prints the one line for {@code e} (and its stack trace with {@code --verbose}); returns the exit code. */
    static int failed(Throwable e, boolean verbose, PrintWriter err) {
        int code;
        if (e instanceof StorageException) {
            err.println(e.getMessage());
            code = EXIT_DATA;
        } else if (e instanceof TeraioException || e instanceof UncheckedIOException) {
            err.println(e.getMessage());
            code = EXIT_USAGE;
        } else if (e instanceof OutOfMemoryError) {
            err.println("teraio: out of memory (" + e.getMessage() + ", at most " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB of heap); give the JVM more with TERAIO_JAVA_OPTS=-Xmx8g");
            code = EXIT_INTERNAL;
        } else {
            err.println("teraio: internal error: " + e + " (a bug in teraio; please report it with the command line"
                    + (verbose ? " and the stack trace below)" : " and the stack trace that --verbose prints)"));
            code = EXIT_INTERNAL;
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        return code;
    }

    /** picocli's message, with the closest command or option for a mistyped one, and where to read more. */
    private static String usageProblem(CommandLine.ParameterException e) {
        CommandLine failed = e.getCommandLine();
        String path = subcommandPath(failed);
        String help = path.isEmpty() ? "teraio --help" : "teraio " + path + " --help";
        if (e instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            List<String> words = unmatched.getUnmatched();
            String first = words.isEmpty() ? "" : words.get(0);
            boolean command = !failed.getSubcommands().isEmpty() && !first.startsWith("-");
            String problem = command ? "unknown command '" + first + "'" : e.getMessage();
            if (!suggestions.isEmpty()) {
                problem += "; did you mean '" + suggestions.get(0) + "'?";
            }
            return problem + " (" + (command ? "teraio --help lists the commands" : "see '" + help + "'") + ")";
        }
        Matcher unknown = UNKNOWN_SUBCOMMAND.matcher(e.getMessage());
        if (unknown.matches()) {
            // 'teraio help anlyze': picocli's help command makes no suggestion of its own
            String closest = closest(unknown.group(1), failed.getParent() == null ? failed.getSubcommands().keySet()
                    : failed.getParent().getSubcommands().keySet());
            return "unknown command '" + unknown.group(1) + "'" + (closest == null ? "" : "; did you mean '" + closest
                    + "'?") + " (teraio --help lists the commands)";
        }
        return e.getMessage() + " (see '" + help + "')";
    }

    /** The name at the smallest edit distance from {@code typed}, if at most 2 edits away. */
    private static String closest(String typed, Collection<String> names) {
        String best = null;
        int bestDistance = 3;
        for (String name : names) {
            int distance = editDistance(typed, name);
            if (distance < bestDistance) {
                best = name;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String subcommandPath(CommandLine commandLine) {
        String name = commandLine.getCommandSpec().qualifiedName(" ");
        return name.startsWith("teraio") ? name.substring("teraio".length()).trim() : name;
    }

    /**
     * slf4j-simple reads its settings once, so the level must be set before any logger exists:
     * warnings and errors by default, INFO with {@code -v}, DEBUG with {@code -vv}; {@code -q}
     * keeps WARN whatever else is given.
     */
    private static void configureLogging(String[] args) {
        int verbosity = 0;
        boolean quiet = false;
        for (String arg : args) {
            if ("--".equals(arg)) {
                break;
            }
            if ("--verbose".equals(arg)) {
                verbosity++;
            } else if (arg.matches("-v+")) {
                verbosity += arg.length() - 1;
            } else if ("-q".equals(arg) || "--quiet".equals(arg)) {
                quiet = true;
            }
        }
        String level = quiet || verbosity == 0 ? "warn" : verbosity == 1 ? "info" : "debug";
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    }
}
