package io.teraio.core.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Run directories as crashed runs leave them: a marker that no process holds a lock on. */
public final class CrashedRuns {
    private CrashedRuns() {
    }

    /** This machine's boot id, as a run's marker records it. */
    public static String bootId() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
    }

    /**
     * Makes {@code in/name} with a marker naming {@code host} and {@code bootId} (either may be
     * null), and no lock on it.
     */
    public static Path make(Path in, String name, String host, String bootId) throws IOException {
        Path dir = Files.createDirectories(in.resolve(name));
        Files.writeString(dir.resolve(RunDirectory.MARKER), "format=teraio-run 1\nhost=" + (host == null ? "" : host)
                + "\nbootId=" + (bootId == null ? "" : bootId) + "\npid=4242\nstartMillis=1700000000000\n");
        return dir;
    }
}
