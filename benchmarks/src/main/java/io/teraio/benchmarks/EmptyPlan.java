package io.teraio.benchmarks;

import io.teraio.demo.DjlTrainerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An empty plan for a trace, made as a user makes one: the built {@code teraio} command,
 * {@code teraio plan TRACE --policy none --gpu-mem 64g --ssd 1x2g}, in a child JVM. The
 * {@code none} policy moves nothing; the agent benchmarks apply such a plan to measure what
 * offload mode costs by itself.
 */
final class EmptyPlan {
    /** What builds the teraio command, for the error when it is missing. */
    static final String BUILD_COMMAND = "./mvnw -B -q -DskipTests -pl teraio-cli -am package";

    private EmptyPlan() {
    }

    /** Writes the empty plan for {@code trace} to {@code plan}. */
    static void write(Path trace, Path plan) {
        Path home = DjlTrainerProcess.checkout();
        Path jar = home.resolve("teraio-cli/target/teraio.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the teraio command is not built: " + jar + " is missing; build it with '"
                    + BUILD_COMMAND + "' in " + home);
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "plan", trace.toString(), "--policy", "none", "--gpu-mem", "64g", "--ssd", "1x2g",
                "-o", plan.toString());
        String output;
        int code;
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            code = process.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("teraio plan --policy none " + trace + ": cannot run " + jar + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("teraio plan --policy none " + trace + ": interrupted", e);
        }
        if (code != 0) {
            throw new IllegalStateException("teraio plan --policy none " + trace + " failed (" + code + "): " + output);
        }
    }
}
