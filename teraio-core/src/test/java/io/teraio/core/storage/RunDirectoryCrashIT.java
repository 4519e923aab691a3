package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run killed with SIGKILL leaves its directory; the next run removes it. */
class RunDirectoryCrashIT {
    @TempDir
    Path parent;

    @Test
    void theNextRunRemovesTheDirectoryOfAKilledOne() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path childLog = Files.createTempFile("teraio-crash-child-", ".log");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                RunDirectoryCrashChild.class.getName(), parent.toString())
                .redirectError(childLog.toFile())
                .start();
        Path left;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertTrue(line != null, "the child printed nothing: " + Files.readString(childLog));
            left = Path.of(line);
            assertEquals(parent, left.getParent());
            assertTrue(Files.isDirectory(left), left + " while the child runs");
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not die");
            Files.deleteIfExists(childLog);
        }
        assertTrue(Files.exists(left.resolve("ssd0.data")), "a killed run leaves its files behind");

        try (RunDirectory next = RunDirectory.create(parent)) {
            assertFalse(Files.exists(left), left + " is stale and removed");
            try (var entries = Files.list(parent)) {
                assertEquals(List.of(next.path()), entries.toList());
            }
        }
    }
}
