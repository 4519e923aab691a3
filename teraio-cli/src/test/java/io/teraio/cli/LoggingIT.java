package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar logs at WARN by default: the engine's INFO lines ({@code teraio
 * configuration: ...}) print only with {@code -v}, never with {@code -q}, and DEBUG lines only
 * with {@code -vv}. (slf4j-simple reads its level once per JVM, so each case is a child JVM.)
 */
class LoggingIT {
    @TempDir
    Path dir;

    private String stderr(String... flags) throws IOException, InterruptedException {
        String jar = System.getProperty("teraio.cli.jar");
        assertTrue(jar != null && new File(jar).isFile(), "the runnable jar is not built: " + jar);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar, "bench-io", "--dir", dir.toString(), "--size", "4m", "--block", "1m", "--qd", "2"));
        command.addAll(List.of(flags));
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "bench-io did not end");
        String text = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    @Test
    void infoLinesOnlyWithVerbose() throws Exception {
        assertFalse(stderr().contains("teraio configuration"), "INFO by default");
        assertFalse(stderr("-q", "-v").contains("teraio configuration"), "INFO with -q");
        String verbose = stderr("-v");
        assertTrue(verbose.contains("[INFO] MigrationEngine - teraio configuration: "), verbose);
        assertFalse(verbose.contains("[DEBUG]"), verbose);
        assertTrue(stderr("-vv").contains("[DEBUG]"), "DEBUG with -vv");
    }
}
