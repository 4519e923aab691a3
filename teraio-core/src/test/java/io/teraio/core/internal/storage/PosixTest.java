package io.teraio.core.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.teraio.core.storage.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** teraio's JNI library of POSIX calls, as the build packages it. */
class PosixTest {
    @Test
    void theLibraryLoadsOnLinuxX64() {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch", "").equals("amd64"), "the build makes the library for Linux x86-64");
        assertNull(Posix.unavailableReason(), "the jar's libteraio_posix.so loads");
    }

    @Test
    void fallocateGrowsTheFileOrReturnsTheErrno(@TempDir Path dir) throws IOException {
        assumeTrue(Posix.available(), "no library");
        Path file = Files.createFile(dir.resolve("f"));
        int rc = Posix.fallocate(file, 0, 1 << 20);
        assumeTrue(rc != Errno.EOPNOTSUPP, "this file system does not fallocate");
        assertEquals(0, rc);
        assertEquals(1 << 20, Files.size(file), "mode 0 grows the file");
        assertEquals(Errno.ENOENT, Posix.fallocate(dir.resolve("missing"), 0, 4096), "open's errno");
    }
}
