package io.teraio.agent;

import io.teraio.agent.internal.AgentRuntime;
import io.teraio.agent.internal.Dispatch;
import io.teraio.agent.internal.Hooks;
import io.teraio.core.TeraioException;
import io.teraio.core.session.AgentStats;
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
        try {
            Class.forName("org.slf4j.LoggerFactory", false, TeraioAgent.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            fail("slf4j-api is not on the class path; the agent logs through the job's slf4j, which every DJL"
                    + " job has (ai.djl:api depends on it)");
            return;
        }
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
            runtime = new AgentRuntime(options, VERSION);
        } catch (TeraioException e) {
            fail(e.getMessage());
            return;
        }
        StringJoiner line = new StringJoiner(" ", "teraio-agent " + VERSION + ": ", "");
        options.describe().forEach((k, v) -> line.add(k + "=" + v));
        System.err.println(line);
        AgentRuntime started = runtime;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> finish(started, options), "teraio-agent-exit"));
        try {
            Dispatch.install(started);
            Hooks.install(inst, message -> System.err.println("teraio-agent: " + message));
        } catch (RuntimeException | LinkageError e) {
            // the job runs as if there were no agent; the stats say why
            Dispatch.install(null);
            started.failed("installing the hooks: " + e);
            System.err.println("teraio-agent: could not install the hooks, the job runs without the agent: " + e);
        }
    }

    /**
     * A bad launch: one line naming the key, exit code 2. (An exception out of premain would
     * make the JVM print a stack trace and abort.)
     */
    private static void fail(String message) {
        System.err.println("teraio-agent: " + message);
        System.err.flush();
        Runtime.getRuntime().halt(2);
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
