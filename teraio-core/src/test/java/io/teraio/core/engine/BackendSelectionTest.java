package io.teraio.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import io.teraio.core.storage.BackendProvider;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.DeviceMemoryProvider;
import io.teraio.core.storage.RunDirectory;
import io.teraio.core.storage.StorageBackend;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * auto falls back with the reason, gds fails fast with it, posix is posix; the providers here
 * only report an availability (nothing is opened through them).
 */
class BackendSelectionTest {
    private static final String CAUSE = "libcufile.so.0 not found by the system loader";

    @Test
    void autoFallsBackToPosixWithTheCauseWhenCuFileIsMissing() {
        BackendSelection.Choice c = BackendSelection.choose(config("auto", "host"), provider(false));
        assertEquals("posix", c.backend());
        assertNull(c.provider());
        assertEquals("backend auto: posix (O_DIRECT files), because cuFile is not available: " + CAUSE, c.reason());
    }

    @Test
    void autoWithCudaMemoryAndNoCuFileBouncesThroughThePinnedBuffersOfTheProvider() {
        Optional<BackendProvider> gds = provider(false);
        BackendSelection.Choice c = BackendSelection.choose(config("auto", "cuda"), gds);
        assertEquals("posix-pinned", c.backend());
        assertSame(gds.get(), c.provider());
        assertEquals("backend auto: posix (O_DIRECT files) through pinned bounce buffers, because cuFile is not"
                + " available: " + CAUSE, c.reason());
    }

    @Test
    void autoUsesCuFileForCudaMemoryWhenItIsAvailable() {
        BackendSelection.Choice c = BackendSelection.choose(config("auto", "cuda"), provider(true));
        assertEquals("gds", c.backend());
        assertEquals("posix", BackendSelection.choose(config("auto", "host"), provider(true)).backend());
    }

    @Test
    void autoWithoutTheBridgeSaysItIsNotOnTheClassPath() {
        assertEquals("backend auto: posix (O_DIRECT files), because the GDS bridge (teraio-gds-native) is not on"
                + " the class path", BackendSelection.choose(config("auto", "host"), Optional.empty()).reason());
    }

    @Test
    void gdsFailsFastWithTheCause() {
        TeraioException e = assertThrows(TeraioException.class,
                () -> BackendSelection.choose(config("gds", "cuda"), provider(false)));
        assertEquals("backend gds: cuFile is not available: " + CAUSE + "; use backend=auto or backend=posix",
                e.getMessage());
        e = assertThrows(TeraioException.class, () -> BackendSelection.choose(config("gds", "cuda"), Optional.empty()));
        assertEquals("backend gds: the GDS bridge (teraio-gds-native) is not on the class path; use backend=auto"
                + " or backend=posix", e.getMessage());
        assertEquals("gds", BackendSelection.choose(config("gds", "cuda"), provider(true)).backend());
    }

    @Test
    void posixIsPosixWhateverIsInstalled() {
        assertEquals("backend posix: O_DIRECT files, as configured",
                BackendSelection.choose(config("posix", "cuda"), provider(true)).reason());
    }

    @Test
    void cudaMemoryThatCannotBeHadFailsWithTheReason() {
        DeviceMemoryProvider none = new DeviceMemoryProvider() {
            @Override
            public String name() {
                return "cuda";
            }

            @Override
            public Availability availability(TeraioConfig config) {
                return Availability.no("cudaGetDeviceCount failed with code 35 (cudaErrorInsufficientDriver)");
            }

            @Override
            public DeviceMemory open(TeraioConfig config) {
                throw new AssertionError("not opened when unavailable");
            }
        };
        TeraioException e = assertThrows(TeraioException.class,
                () -> BackendSelection.openMemory(config("auto", "cuda"), Optional.of(none)));
        assertEquals("memory cuda: CUDA device 0 is not available: cudaGetDeviceCount failed with code 35"
                + " (cudaErrorInsufficientDriver); use memory=host", e.getMessage());
        e = assertThrows(TeraioException.class,
                () -> BackendSelection.openMemory(config("auto", "cuda"), Optional.empty()));
        assertEquals("memory cuda: the GDS bridge (teraio-gds-native) is not on the class path; use memory=host",
                e.getMessage());
    }

    @Test
    void engineOpenWithGdsOnAClassPathWithoutTheBridgeFailsBeforeMakingAnything(@TempDir Path dir) {
        TeraioConfig config = TeraioConfig.resolve(Map.of("backend", "gds", "dirs", dir.toString()), Map.of(),
                Map.of());
        TeraioException e = assertThrows(TeraioException.class, () -> MigrationEngine.open(config));
        assertEquals("backend gds: the GDS bridge (teraio-gds-native) is not on the class path; use backend=auto"
                + " or backend=posix", e.getMessage());
        assertEquals(java.util.List.of(), RunDirectory.removeStale(dir));
    }

    private static TeraioConfig config(String backend, String memory) {
        return TeraioConfig.resolve(Map.of("backend", backend, "memory", memory), Map.of(), Map.of());
    }

    private static Optional<BackendProvider> provider(boolean available) {
        return Optional.of(new BackendProvider() {
            @Override
            public String name() {
                return "gds";
            }

            @Override
            public Availability availability(TeraioConfig config) {
                return available ? Availability.yes("cuFile from /usr/lib/libcufile.so.0") : Availability.no(CAUSE);
            }

            @Override
            public StorageBackend open(RunDirectory run, int ssdId, TeraioConfig config) {
                throw new AssertionError("not opened by the selection");
            }
        });
    }
}
