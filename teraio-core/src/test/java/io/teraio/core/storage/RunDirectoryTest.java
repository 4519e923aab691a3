package io.teraio.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    @TempDir
    Path parent;

    @Test
    void directoryIsPrivateNamedAfterThisProcessAndDeletedOnClose() throws Exception {
        RunDirectory run = RunDirectory.create(parent);
        Path dir = run.path();
        assertEquals(parent, dir.getParent());
        assertTrue(dir.getFileName().toString().startsWith("teraio-run-" + ProcessHandle.current().pid() + "-"),
                dir.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));

        Path file = run.newFile("ssd0.data");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(0, Files.size(file));
        Files.writeString(file, "offloaded bytes");

        run.close();
        assertFalse(Files.exists(dir));
        run.close(); // idempotent
        assertTrue(run.isClosed());
        assertThrows(IllegalStateException.class, () -> run.newFile("late"));
    }

    @Test
    void newFileRefusesAnExistingFileAndPathNames() {
        try (RunDirectory run = RunDirectory.create(parent)) {
            run.newFile("a");
            TeraioException twice = assertThrows(TeraioException.class, () -> run.newFile("a"));
            assertEquals("run directory: cannot create " + run.path().resolve("a") + ": it exists already",
                    twice.getMessage());
            assertThrows(IllegalArgumentException.class, () -> run.newFile("../escape"));
            assertThrows(IllegalArgumentException.class, () -> run.newFile(".."));
        }
    }

    @Test
    void twoRunDirectoriesOfOneProcessInOneParentAreDistinct() {
        try (RunDirectory first = RunDirectory.create(parent); RunDirectory second = RunDirectory.create(parent)) {
            assertNotEquals(first.path(), second.path());
            assertTrue(Files.isDirectory(first.path()), "the second create keeps the live first one");
            assertTrue(Files.isDirectory(second.path()));
        }
    }

    @Test
    void staleDirectoriesOfDeadProcessesAreRemovedAndLiveOnesKept() throws Exception {
        Path dead = Files.createDirectories(parent.resolve("teraio-run-999999999-1700000000000"));
        Files.writeString(dead.resolve("ssd0.data"), "left by a crash");
        Files.createDirectories(dead.resolve("nested"));
        // this process's pid with another start time: the pid was reused by us, the run is gone
        Path reused = Files.createDirectories(parent.resolve("teraio-run-" + ProcessHandle.current().pid() + "-1"));
        Path unrelated = Files.createDirectories(parent.resolve("teraio-other"));
        Path notDigits = Files.createDirectories(parent.resolve("teraio-run-abc-1"));

        try (RunDirectory live = RunDirectory.create(parent)) {
            assertFalse(Files.exists(dead));
            assertFalse(Files.exists(reused));
            assertTrue(Files.exists(unrelated));
            assertTrue(Files.exists(notDigits));

            assertEquals(List.of(), RunDirectory.removeStale(parent), "a live run is not stale");
            assertTrue(Files.isDirectory(live.path()));
        }
    }

    @Test
    void removeStaleReturnsWhatItRemoved() throws Exception {
        Path dead = Files.createDirectories(parent.resolve("teraio-run-999999998-5-2"));
        assertEquals(List.of(dead), RunDirectory.removeStale(parent));
        assertEquals(List.of(), RunDirectory.removeStale(parent.resolve("missing")));
    }

    @Test
    void aMissingParentIsCreated() {
        Path nested = parent.resolve("a/b");
        try (RunDirectory run = RunDirectory.create(nested)) {
            assertEquals(nested, run.path().getParent());
        }
    }

    @Test
    void aParentThatIsAFileIsNamedInTheError() throws Exception {
        Path file = Files.writeString(parent.resolve("nvme0"), "not a directory");
        TeraioException e = assertThrows(TeraioException.class, () -> RunDirectory.create(file));
        assertEquals("dirs: " + file + " is not a directory", e.getMessage());

        TeraioException under = assertThrows(TeraioException.class, () -> RunDirectory.create(file.resolve("x")));
        assertTrue(under.getMessage().startsWith("dirs: cannot create " + file.resolve("x") + ": "),
                under.getMessage());
    }
}
