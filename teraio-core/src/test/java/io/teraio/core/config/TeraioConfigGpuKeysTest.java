package io.teraio.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.teraio.core.TeraioException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys of the GDS bridge: memory, device, gds.cufileLibrary. */
class TeraioConfigGpuKeysTest {
    @Test
    void defaultsAreHostMemoryDeviceZeroAndTheSystemLoader() {
        TeraioConfig c = TeraioConfig.defaults();
        assertEquals("host", c.memory());
        assertEquals(0, c.device());
        assertEquals("", c.cufileLibrary());
        assertEquals("(system loader)", c.describe().get("gds.cufileLibrary"));
    }

    @Test
    void theCufileLibraryComesFromItsPropertyOrItsEnvironmentVariable() {
        assertEquals("/opt/nvidia/cu13/lib/libcufile.so.0", TeraioConfig.resolve(Map.of(), Map.of(),
                Map.of("TERAIO_GDS_CUFILE_LIBRARY", "/opt/nvidia/cu13/lib/libcufile.so.0")).cufileLibrary());
        assertEquals("/p/libcufile.so.0", TeraioConfig.resolve(Map.of(), Map.of("teraio.gds.cufileLibrary",
                "/p/libcufile.so.0"), Map.of("TERAIO_GDS_CUFILE_LIBRARY", "/e/libcufile.so.0")).cufileLibrary());
        TeraioConfig c = TeraioConfig.resolve(Map.of("memory", "CUDA", "device", "3"), Map.of(), Map.of());
        assertEquals("cuda", c.memory());
        assertEquals(3, c.device());
    }

    @Test
    void badValuesNameTheKeyAndWhereTheyCameFrom() {
        TeraioException e = assertThrows(TeraioException.class,
                () -> TeraioConfig.resolve(Map.of(), Map.of("teraio.memory", "gpu"), Map.of()));
        assertEquals("system property teraio.memory: 'gpu' is not a device memory; use host or cuda", e.getMessage());
        e = assertThrows(TeraioException.class,
                () -> TeraioConfig.resolve(Map.of(), Map.of(), Map.of("TERAIO_DEVICE", "-1")));
        assertEquals("environment variable TERAIO_DEVICE: '-1' is not a whole number of at least 0", e.getMessage());
    }

    @Test
    void withDeviceKeepsEverythingElse() {
        TeraioConfig base = TeraioConfig.resolve(Map.of("memory", "cuda", "io.taskSize", "8m"), Map.of(), Map.of());
        TeraioConfig d1 = base.withDevice(1, List.of(Path.of("/nvme1")));
        assertEquals(1, d1.device());
        assertEquals(List.of(Path.of("/nvme1")), d1.dirs());
        assertEquals(base.withDirs(List.of(Path.of("/nvme1"))), d1.withDevice(0, d1.dirs()));
    }
}
