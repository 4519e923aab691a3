package io.teraio.core.storage;

import io.teraio.core.TeraioException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory one run keeps its offload files in: {@code <parent>/teraio-run-<pid>-<start>}
 * (the process id and its start time in epoch milliseconds, for people reading the listing;
 * {@code -<n>} is appended when one process opens several in one parent), mode 0700, files
 * 0600. {@link #close()} deletes it with its files, and a shutdown hook deletes it if the JVM
 * exits without closing it.
 *
 * <p>Ownership is an advisory lock, not the name: the directory holds a marker file
 * {@value #MARKER} (lines {@code format=teraio-run 1}, {@code host=}, {@code bootId=} from
 * {@code /proc/sys/kernel/random/boot_id}, {@code pid=}, {@code startMillis=}) that the run keeps an
 * exclusive {@link FileChannel#lock() lock} on for its whole life. The marker appears already
 * locked (it is written and locked under a temporary name, then renamed), and the kernel
 * releases the lock when the process dies however it dies. A run that crashed leaves its
 * directory behind; {@link #create} first removes such stale directories, and only those that
 * are a real directory (not a symbolic link), hold a marker that is a regular file, and whose
 * lock it can take. A directory merely named like a run is left alone, and so is one whose
 * marker says it was made on another machine (another host and another boot id), where the lock
 * may not reach. Idempotent {@link AutoCloseable}; {@link #newFile} after close throws
 * {@link IllegalStateException}.
 */
public final class RunDirectory implements AutoCloseable {
    /** The name prefix of every run directory. */
    public static final String PREFIX = "teraio-run-";
    /** The marker file that says teraio made the directory; the run holds a lock on it. */
    public static final String MARKER = ".teraio-run";
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    /**
     * The markers this JVM holds, by file key: locks are per process, and closing any channel
     * on a locked file would drop this process's lock on it, so the cleanup never opens these.
     */
    private static final Set<Object> HELD = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final FileChannel markerChannel;
    private final Object markerKey;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunDirectory(Path path, FileChannel markerChannel, Object markerKey) {
        this.path = path;
        this.markerChannel = markerChannel;
        this.markerKey = markerKey;
        this.shutdownHook = new Thread(() -> deleteQuietly(path), "teraio-run-directory-cleanup");
    }

    /**
     * Removes stale run directories in {@code parent} (creating it if missing), then creates
     * this process's run directory in it, with its marker locked.
     *
     * @throws TeraioException naming the parent and the problem (not a directory, not
     *                         writable, cannot be created, the marker cannot be locked)
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
            RunDirectory run = lockNew(dir, new Marker(Marker.thisHost(), Marker.thisBootId(), self.pid(),
                    startMillis));
            Runtime.getRuntime().addShutdownHook(run.shutdownHook);
            LOG.debug("run directory {} created and locked", dir);
            return run;
        }
    }

    /** Writes the marker under a temporary name, locks it, then renames it into place. */
    private static RunDirectory lockNew(Path dir, Marker marker) {
        Path temporary = dir.resolve(MARKER + ".new");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(temporary,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(FILE_MODE));
            if (channel.tryLock() == null) {
                throw new IOException("its new marker is locked by another process");
            }
            channel.write(ByteBuffer.wrap(marker.text().getBytes(StandardCharsets.UTF_8)));
            Object key = Files.readAttributes(temporary, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
            HELD.add(key);
            try {
                Files.move(temporary, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                HELD.remove(key);
                throw e;
            }
            return new RunDirectory(dir, channel, key);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            deleteQuietly(dir);
            throw new TeraioException("dirs: cannot lock the run directory " + dir + ": " + reason(e), e);
        }
    }

    /**
     * Deletes the run directories in {@code parent} that crashed runs left: a real directory
     * named {@code teraio-run-*} with a marker whose lock this process can take, made on this
     * machine (the same boot id, or the same host before a reboot). Leaves everything else, a
     * symbolic link included, and logs what it removed.
     *
     * @return the directories removed
     */
    public static List<Path> removeStale(Path parent) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return removed;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && removeIfStale(entry)) {
                    removed.add(entry);
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

    /** Deletes {@code dir} if it is a run directory of a run that has ended; says whether it did. */
    private static boolean removeIfStale(Path dir) {
        Path markerFile = dir.resolve(MARKER);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(markerFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false; // no marker: teraio did not make it (or is making it right now)
        }
        if (!attributes.isRegularFile() || HELD.contains(attributes.fileKey())) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(markerFile, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            Marker marker = Marker.read(channel);
            if (marker == null) {
                LOG.warn("left {}: its marker {} is not one teraio wrote", dir, MARKER);
                return false;
            }
            if (!marker.sameMachine(Marker.thisHost(), Marker.thisBootId())) {
                LOG.debug("left {}: made on host {} (boot {}), whose lock this machine may not see", dir,
                        marker.host(), marker.bootId());
                return false;
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return false; // held in this JVM through another channel
            }
            if (lock == null) {
                return false; // a live run holds it
            }
            deleteRecursively(dir);
            return true;
        } catch (IOException e) {
            LOG.warn("could not remove the stale run directory {}: {}", dir, reason(e));
            return false;
        }
    }

    /** What a marker says: the machine and process that made the directory. */
    private record Marker(String host, String bootId, long pid, long startMillis) {
        private static final String FORMAT = "teraio-run 1";
        private static final int MAX_BYTES = 4096;

        String text() {
            return "format=" + FORMAT + "\nhost=" + Objects.toString(host, "") + "\nbootId="
                    + Objects.toString(bootId, "") + "\npid=" + pid + "\nstartMillis=" + startMillis + "\n";
        }

        /** The marker in {@code channel}, or {@code null} when it is not one teraio wrote. */
        static Marker read(FileChannel channel) throws IOException {
            ByteBuffer bytes = ByteBuffer.allocate(MAX_BYTES);
            while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) > 0) {
                // reads until the end of the file or MAX_BYTES
            }
            Map<String, String> fields = new HashMap<>();
            for (String line : new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    fields.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            if (!FORMAT.equals(fields.get("format"))) {
                return null;
            }
            try {
                return new Marker(emptyToNull(fields.get("host")), emptyToNull(fields.get("bootId")),
                        Long.parseLong(fields.getOrDefault("pid", "-1")),
                        Long.parseLong(fields.getOrDefault("startMillis", "0")));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /**
         * Whether the run that wrote this marker ran on this machine, so that its lock, had it
         * still been alive, would be seen here: the same kernel (boot id), or the same host
         * before a reboot.
         */
        boolean sameMachine(String thisHost, String thisBootId) {
            return bootId != null && bootId.equals(thisBootId) || host != null && host.equals(thisHost);
        }

        /** This machine's host name ({@code /proc/sys/kernel/hostname}, else $HOSTNAME), or null. */
        static String thisHost() {
            String host = firstLine(Path.of("/proc/sys/kernel/hostname"));
            return host != null ? host : emptyToNull(System.getenv("HOSTNAME"));
        }

        /** The kernel's boot id, new at every boot, or null where there is none. */
        static String thisBootId() {
            return firstLine(Path.of("/proc/sys/kernel/random/boot_id"));
        }

        private static String firstLine(Path file) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                return emptyToNull((end < 0 ? text : text.substring(0, end)).trim());
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private static String emptyToNull(String s) {
            return s == null || s.isBlank() ? null : s.strip();
        }
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
        HELD.remove(markerKey);
        try {
            markerChannel.close(); // releases the lock
        } catch (IOException e) {
            LOG.warn("could not close the marker of the run directory {}: {}", path, reason(e));
        }
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
