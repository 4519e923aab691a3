package io.teraio.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TeraioConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        TeraioConfig c = TeraioConfig.resolve(Map.of(), Map.of(), Map.of());
        assertEquals(List.of(), c.dirs());
        assertEquals(4L << 20, c.taskSizeBytes());
        assertEquals(8, c.queueDepth());
        assertEquals(8, c.threads());
        assertEquals(4L << 30, c.deviceMemoryBytes());
        assertEquals(8L << 30, c.hostMemoryBytes());
        assertEquals("auto", c.backend());
        assertEquals(2, c.readRetries());
        assertFalse(c.verify());
    }

    @Test
    void argumentBeatsPropertyBeatsEnvironment() {
        Map<String, String> env = Map.of("TERAIO_IO_TASK_SIZE", "1m", "TERAIO_IO_QUEUE_DEPTH", "3", "TERAIO_VERIFY", "true",
                "TERAIO_DIRS", "/a:/b");
        Map<String, String> props = Map.of("teraio.io.taskSize", "2m", "teraio.io.queueDepth", "5");
        Map<String, String> args = Map.of("io.taskSize", "8m");
        TeraioConfig c = TeraioConfig.resolve(args, props, env);
        assertEquals(8L << 20, c.taskSizeBytes());
        assertEquals(5, c.queueDepth());
        assertTrue(c.verify());
        assertEquals(List.of(Path.of("/a"), Path.of("/b")), c.dirs());
    }

    @Test
    void environmentNamesFollowTheKey() {
        assertEquals("TERAIO_IO_TASK_SIZE", key("io.taskSize").env());
        assertEquals("TERAIO_DEVICE_MEMORY", key("deviceMemory").env());
        assertEquals("teraio.io.readRetries", key("io.readRetries").property());
    }

    @Test
    void badValuesNameTheKeyAndWhereTheyCameFrom() {
        TeraioException e = assertThrows(TeraioException.class, () -> TeraioConfig.resolve(Map.of(),
                Map.of("teraio.io.queueDepth", "eight"), Map.of()));
        assertEquals("system property teraio.io.queueDepth: 'eight' is not a whole number of at least 1", e.getMessage());
        e = assertThrows(TeraioException.class, () -> TeraioConfig.resolve(Map.of("io.taskSize", "5000"), Map.of(),
                Map.of()));
        assertEquals("io.taskSize: 5000 is not a multiple of 4 KiB (O_DIRECT needs 4 KiB-aligned tasks)", e.getMessage());
        e = assertThrows(TeraioException.class, () -> TeraioConfig.resolve(Map.of("io.taskSzie", "4m"), Map.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("unknown configuration key 'io.taskSzie'; the keys are dirs, "), e.getMessage());
        e = assertThrows(TeraioException.class, () -> TeraioConfig.resolve(Map.of(), Map.of(),
                Map.of("TERAIO_BACKEND", "cufile")));
        assertEquals("environment variable TERAIO_BACKEND: 'cufile' is not a backend; use auto, posix or gds",
                e.getMessage());
    }

    @Test
    void everyKeyIsDocumented() throws Exception {
        String doc = Files.readString(Path.of("../docs/configuration.md"));
        for (TeraioConfig.Key key : TeraioConfig.KEYS) {
            String defaultCell = key.defaultValue().isEmpty() ? "(none)" : "`" + key.defaultValue() + "`";
            assertTrue(doc.contains("| `" + key.name() + "` | `" + key.property() + "` | `" + key.env() + "` | "
                    + defaultCell + " | "), "docs/configuration.md lacks the row of " + key.name() + " with its default");
        }
    }

    private static TeraioConfig.Key key(String name) {
        return TeraioConfig.KEYS.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
    }
}
