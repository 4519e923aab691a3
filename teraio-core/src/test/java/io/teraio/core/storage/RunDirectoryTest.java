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
    void theRunHoldsALockedMarkerNamingThisMachine() throws Exception {
        try (RunDirectory run = RunDirectory.create(parent)) {
            Path marker = run.path().resolve(RunDirectory.MARKER);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(marker)));
            String text = Files.readString(marker);
            assertTrue(text.startsWith("format=teraio-run 1\n"), text);
            assertTrue(text.contains("\npid=" + ProcessHandle.current().pid() + "\n"), text);
            String bootId = CrashedRuns.bootId();
            assertTrue(text.contains("\nbootId=" + bootId + "\n"), text);
            assertTrue(text.contains("\nhost=" + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip() + "\n"),
                    text);
            try (var entries = Files.list(run.path())) {
                assertEquals(List.of(marker), entries.toList(), "no temporary marker is left");
            }
            assertEquals(List.of(), RunDirectory.removeStale(parent), "a live run is not stale");
            assertTrue(Files.isRegularFile(marker));
        }
    }

    @Test
    void aCrashedRunOfThisMachineIsRemoved() throws Exception {
        String bootId = CrashedRuns.bootId();
        Path crashed = crashedRun("teraio-run-4242-1700000000000", "elsewhere-by-name", bootId);
        Files.writeString(crashed.resolve("ssd0.data"), "left by a crash");
        Files.createDirectories(crashed.resolve("nested"));
        // the same host before a reboot: its lock died with that boot
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        Path beforeReboot = crashedRun("teraio-run-4242-1700000000000-2", host, "an-earlier-boot");

        try (RunDirectory live = RunDirectory.create(parent)) {
            assertFalse(Files.exists(crashed));
            assertFalse(Files.exists(beforeReboot));
            assertTrue(Files.isDirectory(live.path()));
        }
        Path again = crashedRun("teraio-run-1-1", null, bootId);
        assertEquals(List.of(again), RunDirectory.removeStale(parent));
        assertEquals(List.of(), RunDirectory.removeStale(parent.resolve("missing")));
    }

    @Test
    void whatTeraioDidNotMakeOrCannotJudgeIsLeftAlone() throws Exception {
        String bootId = CrashedRuns.bootId();
        Path namedLikeARun = Files.createDirectories(parent.resolve("teraio-run-999999999-1700000000000"));
        Files.writeString(namedLikeARun.resolve("data"), "someone's files");
        Path otherMachine = crashedRun("teraio-run-7-7", "another-host", "another-boot");
        Path foreignMarker = Files.createDirectories(parent.resolve("teraio-run-8-8"));
        Files.writeString(foreignMarker.resolve(RunDirectory.MARKER), "not ours\n");
        Path markerIsADirectory = Files.createDirectories(parent.resolve("teraio-run-9-9")
                .resolve(RunDirectory.MARKER));

        // a stale run outside the parent, reached through a link named like a run
        Path outside = Files.createDirectories(parent.resolve("outside"));
        Path target = CrashedRuns.make(outside, "teraio-run-5-5", null, bootId);
        Path link = Files.createSymbolicLink(parent.resolve("teraio-run-6-6"), target);
        // a run directory whose marker is a link to a stale run's marker
        Path linkedMarker = Files.createDirectories(parent.resolve("teraio-run-10-10"));
        Files.createSymbolicLink(linkedMarker.resolve(RunDirectory.MARKER), target.resolve(RunDirectory.MARKER));

        assertEquals(List.of(), RunDirectory.removeStale(parent));
        for (Path kept : List.of(namedLikeARun.resolve("data"), otherMachine, foreignMarker, markerIsADirectory,
                target.resolve(RunDirectory.MARKER), linkedMarker)) {
            assertTrue(Files.exists(kept), kept + " was deleted");
        }
        assertTrue(Files.isSymbolicLink(link), "the link is left");
    }

    /** A directory as a crashed run leaves it: a marker that nothing holds a lock on. */
    private Path crashedRun(String name, String host, String bootId) throws Exception {
        return CrashedRuns.make(parent, name, host, bootId);
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
