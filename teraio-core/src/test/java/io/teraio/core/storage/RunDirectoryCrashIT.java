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

/**
 * Run directories across processes: a run killed with SIGKILL leaves its directory and the next
 * run removes it; a live run in another process is never removed, whatever its name says.
 */
class RunDirectoryCrashIT {
    @TempDir
    Path parent;

    @Test
    void theNextRunRemovesTheDirectoryOfAKilledOne() throws Exception {
        Process child = startChild();
        Path left;
        try {
            left = childRunDirectory(child);
        } finally {
            kill(child);
        }
        assertTrue(Files.exists(left.resolve("ssd0.data")), "a killed run leaves its files behind");

        try (RunDirectory next = RunDirectory.create(parent)) {
            assertFalse(Files.exists(left), left + " is stale and removed");
            try (var entries = Files.list(parent)) {
                assertEquals(List.of(next.path()), entries.toList());
            }
        }
    }

    @Test
    void aLiveRunInAnotherProcessIsKeptWhateverItsNameSays() throws Exception {
        Process child = startChild();
        try {
            Path started = childRunDirectory(child);
            // a name with a pid that is not alive here, as a run in another PID namespace has
            Path renamed = Files.move(started, parent.resolve("teraio-run-999999999-1700000000000"));
            assertEquals(List.of(), RunDirectory.removeStale(parent), "the child holds its lock");
            try (RunDirectory next = RunDirectory.create(parent)) {
                assertTrue(Files.exists(renamed.resolve("ssd0.data")), "the live run's files are kept");
            }

            kill(child);
            assertEquals(List.of(renamed), RunDirectory.removeStale(parent), "once killed, its lock is free");
        } finally {
            kill(child);
        }
    }

    private Process startChild() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                RunDirectoryCrashChild.class.getName(), parent.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** The directory the child prints once it made it. */
    private Path childRunDirectory(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);
        assertTrue(line != null, "the child printed nothing (its errors are in the build log)");
        Path dir = Path.of(line);
        assertEquals(parent, dir.getParent());
        assertTrue(Files.isDirectory(dir), dir + " while the child runs");
        return dir;
    }

    /** SIGKILL: no shutdown hook runs; the kernel releases the child's lock. */
    private static void kill(Process child) throws InterruptedException {
        child.destroyForcibly();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not die");
    }
}
