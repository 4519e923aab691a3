package io.teraio.cli;

import io.teraio.cli.demo.DemoCommand;
import io.teraio.cli.engine.BenchGdsCommand;
import io.teraio.cli.engine.BenchIoCommand;
import io.teraio.cli.engine.DoctorCommand;
import io.teraio.cli.engine.ProbeCommand;
import io.teraio.cli.engine.ReplayCommand;
import io.teraio.cli.plan.CompareCommand;
import io.teraio.cli.plan.PlanCommand;
import io.teraio.cli.plan.ReportCommand;
import io.teraio.cli.plan.SimulateCommand;
import io.teraio.cli.trace.AnalyzeCommand;
import io.teraio.cli.trace.ImportCommand;
import io.teraio.cli.trace.SynthCommand;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root {@code teraio} command; the work is done by its subcommands. */
@Command(name = "teraio",
        versionProvider = TeraioCommand.Version.class,
        description = "Trains models larger than GPU memory by moving idle tensors to NVMe SSDs and back, on time.",
        subcommands = {AnalyzeCommand.class, ImportCommand.class, SynthCommand.class, PlanCommand.class, SimulateCommand.class,
                CompareCommand.class, ReportCommand.class, BenchIoCommand.class, ProbeCommand.class, ReplayCommand.class,
                DemoCommand.class, DoctorCommand.class, BenchGdsCommand.class,
                HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 2 bad input or usage, 3 data or storage failure, 1 internal error.",
                "Docs: docs/cli.md, docs/trace-format.md, docs/troubleshooting.md"})
final class TeraioCommand implements Runnable {
    private static final String HELP_DESCRIPTION = "Show this help and exit, whatever else is given.";
    @Option(names = {"-h", "--help"}, usageHelp = true, description = HELP_DESCRIPTION)
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    boolean version;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "INFO logging and stack traces with error messages; -vv for DEBUG logging.")
    boolean[] verbose = new boolean[0];

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "No progress bars (they are drawn only on a terminal anyway) and no INFO logging.")
    boolean quiet;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Whether {@code -v} or {@code --verbose} was given (once or more). */
    boolean verbose() {
        return verbose.length > 0;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Gives every subcommand but {@code help} (which has its own) {@code -h, --help}: usage
     * help that wins over missing required arguments. (An inherited option of the root would
     * clash with {@code help}'s.)
     */
    static void addHelpToSubcommands(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (!(sub.getCommandSpec().userObject() instanceof HelpCommand)) {
                sub.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description(HELP_DESCRIPTION).build());
            }
        }
    }

    /**
     * Joins every description's lines into paragraphs, of the commands (and theirs) and of
     * their options, for picocli to wrap at the usage width: descriptions are written as lines
     * of up to about 100 characters, and wrapped again at 80 every other line broke after a
     * word or two. A line that is empty or starts with a space or a list mark begins a
     * paragraph of its own.
     */
    static void reflowDescriptions(CommandLine cli) {
        CommandLine.Model.CommandSpec spec = cli.getCommandSpec();
        spec.usageMessage().description(paragraphs(spec.usageMessage().description()));
        for (CommandLine.Model.OptionSpec option : new java.util.ArrayList<>(spec.options())) {
            if (option.description().length > 1) {
                spec.remove(option);
                spec.addOption(option.toBuilder().description(paragraphs(option.description())).build());
            }
        }
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getParent() == cli) {
                reflowDescriptions(sub);
            }
        }
    }

    /** {@code lines} joined into paragraphs (see {@link #reflowDescriptions}). */
    static String[] paragraphs(String[] lines) {
        java.util.List<String> out = new java.util.ArrayList<>();
        StringBuilder paragraph = null;
        for (String line : lines) {
            boolean own = line.isBlank() || line.startsWith(" ") || line.startsWith("- ") || line.startsWith("* ");
            if (paragraph != null && !own) {
                paragraph.append(' ').append(line.strip());
                continue;
            }
            if (paragraph != null) {
                out.add(paragraph.toString());
            }
            paragraph = line.isBlank() ? null : new StringBuilder(line.stripTrailing());
            if (line.isBlank()) {
                out.add(line);
            }
        }
        if (paragraph != null) {
            out.add(paragraph.toString());
        }
        return out.toArray(String[]::new);
    }

    /**
     * Replaces picocli's command list, which shows only the first line of each description
     * and so cut sentences in half, with each command's whole first sentence, wrapped.
     */
    static void listCommandsInFull(CommandLine cli) {
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> {
            Map<String, Help> commands = help.subcommands();
            if (commands.isEmpty()) {
                return "";
            }
            int nameWidth = commands.keySet().stream().mapToInt(String::length).max().orElse(0) + 4;
            int width = help.commandSpec().usageMessage().width();
            Help.TextTable table = Help.TextTable.forColumns(help.colorScheme(),
                    new Help.Column(nameWidth, 2, Help.Column.Overflow.SPAN),
                    new Help.Column(width - nameWidth, 1, Help.Column.Overflow.WRAP));
            for (Map.Entry<String, Help> command : commands.entrySet()) {
                CommandLine.Model.UsageMessageSpec usage = command.getValue().commandSpec().usageMessage();
                String[] summary = usage.header().length > 0 ? usage.header() : usage.description();
                table.addRowValues(command.getKey(), firstSentence(String.join(" ", summary).replace("%n", " ").trim()));
            }
            return table.toString();
        });
    }

    /** The text up to and including its first full stop followed by a space, or all of it. */
    static String firstSentence(String text) {
        int end = text.indexOf(". ");
        return end < 0 ? text : text.substring(0, end + 1);
    }

    /** The version the build stamped into {@code teraio-version.properties}. */
    static String version() {
        Properties props = new Properties();
        try (InputStream in = TeraioCommand.class.getResourceAsStream("/teraio-version.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return props.getProperty("version", "unknown");
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "teraio " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            };
        }
    }
}
