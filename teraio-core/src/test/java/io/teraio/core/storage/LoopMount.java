package io.teraio.core.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small ext4 file system on a loop device, for tests that need a disk that fills up:
 * {@code try (LoopMount disk = LoopMount.ext4(tmp.resolve("disk.img"), 32 << 20)) { ... disk.dir() ... }}.
 * Needs root (or the right to mount) and the {@code truncate}, {@code mkfs.ext4} and
 * {@code mount} commands; where any step fails the test is aborted (skipped) with the reason.
 * {@link #close()} unmounts it and deletes the image and the mount point; idempotent.
 */
public final class LoopMount implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 60;

    private final Path image;
    private final Path dir;
    private boolean closed;

    private LoopMount(Path image, Path dir) {
        this.image = image;
        this.dir = dir;
    }

    /**
     * Creates {@code image} of {@code bytes}, makes an ext4 file system in it and mounts it on a
     * new temporary directory.
     */
    public static LoopMount ext4(Path image, long bytes) {
        Path dir = null;
        try {
            run("truncate", "-s", Long.toString(bytes), image.toString());
            run("mkfs.ext4", "-q", "-F", image.toString());
            dir = Files.createTempDirectory("teraio-loop-");
            run("mount", "-o", "loop", image.toString(), dir.toString());
            return new LoopMount(image, dir);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(dir);
            deleteQuietly(image);
            Assumptions.abort("cannot mount a loop ext4 image here: " + e.getMessage());
            throw new AssertionError("unreachable");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly(dir);
            deleteQuietly(image);
            Assumptions.abort("cannot mount a loop ext4 image here: interrupted");
            throw new AssertionError("unreachable");
        }
    }

    /** Where the file system is mounted. */
    public Path dir() {
        return dir;
    }

    /** Unmounts the file system and deletes the image and the mount point; idempotent. */
    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            run("umount", dir.toString());
        } catch (IOException e) {
            run("umount", "-l", dir.toString()); // busy (a leaked descriptor): detach it lazily
        }
        Files.deleteIfExists(dir);
        Files.deleteIfExists(image);
    }

    /** Runs a command; throws an IOException with its output when it fails. */
    private static void run(String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command[0] + ": " + e.getMessage(), e);
        }
        process.getOutputStream().close();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(command[0] + ": no answer within " + COMMAND_TIMEOUT_SECONDS + " s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(output.isEmpty() ? command[0] + ": exit status " + process.exitValue() : output);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // best effort on a path the aborted test made
            }
        }
    }

    @Override
    public String toString() {
        return "ext4 loop mount of " + image + " on " + dir;
    }
}
