package io.teraio.agent;

import io.teraio.agent.internal.AgentRuntime;
import io.teraio.agent.internal.Dispatch;
import io.teraio.agent.internal.Hooks;
import io.teraio.core.TeraioException;
import java.lang.instrument.Instrumentation;
import java.util.StringJoiner;

/**
 * The {@code -javaagent} entry: {@code java -javaagent:teraio-agent.jar=mode=auto,dirs=/nvme0,deviceMemory=8g
 * -jar train.jar}. Parses the arguments (a bad one fails the launch with one line naming the
 * key), prints the effective configuration once, installs the hooks into DJL, and at exit
 * writes the stats JSON and prints a one-line summary to stderr.
 */
public final class TeraioAgent {
    private static final String VERSION = versionOf();
    private static AgentRuntime runtime;

    private TeraioAgent() {
    }

    /** Called by the JVM before {@code main} for {@code -javaagent}. */
    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    /** Called by the JVM when the agent is attached to a running JVM. */
    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    private static synchronized void start(String args, Instrumentation inst) {
        if (runtime != null) {
            System.err.println("teraio-agent: already running; the second -javaagent is ignored");
            return;
        }
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
            runtime = new AgentRuntime(options, VERSION);
        } catch (TeraioException e) {
            // The JVM reports a premain exception with a stack trace and exits; one line says why.
            System.err.println("teraio-agent: " + e.getMessage());
            System.err.flush();
            Runtime.getRuntime().halt(2);
            return;
        }
        StringJoiner line = new StringJoiner(" ", "teraio-agent " + VERSION + ": ", "");
        options.describe().forEach((k, v) -> line.add(k + "=" + v));
        System.err.println(line);
        AgentRuntime started = runtime;
        Dispatch.install(started);
        Hooks.install(inst, message -> System.err.println("teraio-agent: " + message));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> finish(started, options), "teraio-agent-exit"));
    }

    private static void finish(AgentRuntime started, AgentOptions options) {
        try {
            started.close();
        } catch (RuntimeException e) {
            started.failed("closing: " + e.getMessage());
        }
        AgentStats stats = started.finalStats();
        try {
            stats.write(options.stats());
        } catch (RuntimeException e) {
            System.err.println("teraio-agent: could not write the stats: " + e.getMessage());
        }
        System.err.println(stats.summary());
        System.err.flush();
    }

    private static String versionOf() {
        String v = TeraioAgent.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
