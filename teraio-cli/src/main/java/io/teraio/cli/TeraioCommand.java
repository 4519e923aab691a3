package io.teraio.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root {@code teraio} command; the work is done by its subcommands. */
@Command(name = "teraio",
        mixinStandardHelpOptions = true,
        versionProvider = TeraioCommand.Version.class,
        description = "Trains models larger than GPU memory by moving idle tensors to NVMe SSDs and back, on time.",
        subcommands = {AnalyzeCommand.class, ImportCommand.class, SynthCommand.class, PlanCommand.class, SimulateCommand.class,
                CompareCommand.class, ReportCommand.class, BenchIoCommand.class, ProbeCommand.class, ReplayCommand.class,
                DemoCommand.class, DoctorCommand.class, BenchGdsCommand.class,
                HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 2 bad input or usage, 1 internal error.",
                "Docs: docs/cli.md, docs/trace-format.md, docs/troubleshooting.md"})
final class TeraioCommand implements Runnable {
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Debug logging, and stack traces with error messages.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "No progress bars (they are drawn only on a terminal anyway).")
    boolean quiet;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
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
