package io.teraio.core.storage;

import io.teraio.core.TeraioException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory one run keeps its offload files in: {@code <parent>/teraio-run-<pid>-<start>}
 * (the process id and its start time in epoch milliseconds; {@code -<n>} is appended when one
 * process opens several in one parent), mode 0700, files 0600. {@link #close()} deletes it
 * with its files, and a shutdown hook deletes it if the JVM exits without closing it. A run
 * that crashed leaves its directory behind; {@link #create} removes such stale directories
 * first (those whose process is gone, or whose pid now belongs to a process that started at
 * another time). Idempotent {@link AutoCloseable}; {@link #newFile} after close throws
 * {@link IllegalStateException}.
 */
public final class RunDirectory implements AutoCloseable {
    /** The name prefix of every run directory. */
    public static final String PREFIX = "teraio-run-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-(\\d+)(?:-\\d+)?");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);

    private final Path path;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunDirectory(Path path) {
        this.path = path;
        this.shutdownHook = new Thread(() -> deleteQuietly(path), "teraio-run-directory-cleanup");
    }

    /**
     * Removes stale run directories in {@code parent} (creating it if missing), then creates
     * this process's run directory in it.
     *
     * @throws TeraioException naming the parent and the problem (not a directory, not
     *                         writable, cannot be created)
     */
    public static RunDirectory create(Path parent) {
        checkParent(parent);
        removeStale(parent);
        ProcessHandle self = ProcessHandle.current();
        long startMillis = self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        String base = PREFIX + self.pid() + "-" + startMillis;
        for (int n = 1; ; n++) {
            Path dir = parent.resolve(n == 1 ? base : base + "-" + n);
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
                Files.setPosixFilePermissions(dir, DIR_MODE);
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (IOException | UnsupportedOperationException e) {
                throw new TeraioException("dirs: cannot create the run directory " + dir + ": " + reason(e), e);
            }
            RunDirectory run = new RunDirectory(dir);
            Runtime.getRuntime().addShutdownHook(run.shutdownHook);
            LOG.debug("run directory {} created", dir);
            return run;
        }
    }

    /**
     * Deletes the run directories in {@code parent} whose process is gone (no live process
     * with that pid, or one that started at another time; a live pid whose start time is
     * unknown counts as the same process). Logs what it removed.
     *
     * @return the directories removed
     */
    public static List<Path> removeStale(Path parent) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return removed;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent)) {
            for (Path entry : entries) {
                Matcher m = NAME.matcher(entry.getFileName().toString());
                if (m.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                        && isStale(m.group(1), m.group(2))) {
                    try {
                        deleteRecursively(entry);
                        removed.add(entry);
                    } catch (IOException e) {
                        LOG.warn("could not remove the stale run directory {}: {}", entry, reason(e));
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("could not look for stale run directories in {}: {}", parent, reason(e));
        }
        if (!removed.isEmpty()) {
            LOG.info("removed {} stale run director{} left by crashed runs: {}", removed.size(),
                    removed.size() == 1 ? "y" : "ies", removed);
        }
        return removed;
    }

    private static boolean isStale(String pidText, String startText) {
        long pid;
        long startMillis;
        try {
            pid = Long.parseLong(pidText);
            startMillis = Long.parseLong(startText);
        } catch (NumberFormatException e) {
            return false; // digits too long for a pid: not one of ours
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        return process.get().info().startInstant().map(s -> s.toEpochMilli() != startMillis).orElse(false);
    }

    private static void checkParent(Path parent) {
        if (Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new TeraioException("dirs: " + parent + " is not a directory");
        }
        if (!Files.exists(parent)) {
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new TeraioException("dirs: cannot create " + parent + ": " + reason(e), e);
            }
        }
        if (!Files.isWritable(parent)) {
            throw new TeraioException("dirs: " + parent + " is not writable");
        }
    }

    /** The directory. */
    public Path path() {
        return path;
    }

    /**
     * Creates the empty file {@code name} (a plain name, no separators) in this directory,
     * mode 0600; it must not exist yet.
     *
     * @throws TeraioException naming the file if it cannot be created
     */
    public Path newFile(String name) {
        checkOpen();
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("run directory: '" + name + "' is not a plain file name");
        }
        Path file = path.resolve(name);
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(FILE_MODE);
        try {
            Files.createFile(file, mode);
            Files.setPosixFilePermissions(file, FILE_MODE);
        } catch (IOException | UnsupportedOperationException e) {
            throw new TeraioException("run directory: cannot create " + file + ": " + reason(e), e);
        }
        return file;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Deletes the directory and everything in it; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down; the hook deletes it as well, harmlessly
        }
        deleteQuietly(path);
    }

    @Override
    public String toString() {
        return path.toString();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("run directory " + path + " used after close");
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("could not delete the run directory {}: {}", dir, reason(e));
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static String reason(Exception e) {
        if (e instanceof FileAlreadyExistsException) {
            return "it exists already";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
