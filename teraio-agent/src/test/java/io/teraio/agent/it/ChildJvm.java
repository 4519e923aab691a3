package io.teraio.agent.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Starts {@link TrainingProgram} in a child JVM, with or without the agent jar. */
final class ChildJvm {
    /** What a child run left: exit code, stderr, and the per-step losses (float bits). */
    record Run(int exitCode, String stderr, List<String> losses) {
    }

    /** teraio's modules, as jars or reactor class folders. */
    private static final Pattern TERAIO = Pattern.compile(
            ".*/teraio-(core|profiler|planner|torch-native|agent)(-[^/]*\\.jar|/target/classes/?)");

    private ChildJvm() {
    }

    static Path agentJar() {
        String jar = System.getProperty("teraio.agent.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("teraio.agent.jar is not set or missing (" + jar
                    + "); run the integration tests with ./mvnw verify, which builds the jar first");
        }
        return Path.of(jar);
    }

    /**
     * The test class path less teraio's own classes: the job sees DJL, PyTorch, slf4j and the
     * training program, as a real DJL job does, and the agent's classes come from its jar only.
     */
    static String jobClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !TERAIO.matcher(e.replace('\\', '/')).matches())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Runs {@code model} for {@code steps} steps in {@code dir}; {@code agentArgs} null runs without the agent. */
    static Run train(Path dir, String model, int steps, String agentArgs, String... programArgs)
            throws IOException, InterruptedException {
        return train(dir, model, steps, agentArgs, List.of(), programArgs);
    }

    /** As {@link #train(Path, String, int, String, String...)}, with {@code jvmArgs} (system properties) for the job. */
    static Run train(Path dir, String model, int steps, String agentArgs, List<String> jvmArgs,
            String... programArgs) throws IOException, InterruptedException {
        Path losses = dir.resolve("losses-" + System.nanoTime() + ".txt");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=1");
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.addAll(jvmArgs);
        if (agentArgs != null) {
            cmd.add("-javaagent:" + agentJar() + "=" + agentArgs);
        }
        cmd.add("-cp");
        cmd.add(jobClassPath());
        cmd.add(TrainingProgram.class.getName());
        cmd.add(model);
        cmd.add(Integer.toString(steps));
        cmd.add(losses.toString());
        cmd.addAll(List.of(programArgs));
        Path err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM did not finish in 5 minutes: " + cmd);
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        List<String> lines = Files.exists(losses) ? Files.readAllLines(losses) : List.of();
        lines = lines.stream().filter(l -> !l.startsWith("#")).toList();
        return new Run(p.exitValue(), stderr, lines);
    }
}
