package io.teraio.core.trace;

import static io.teraio.core.trace.TraceFixtures.architectureExample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceWriterTest {
    @TempDir
    Path dir;

    private List<Path> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        }
    }

    @Test
    void missingDirectoryIsNamedAndNothingIsCreated() throws IOException {
        Path file = dir.resolve("runs/trace.json");
        TeraioException e = assertThrows(TeraioException.class,
                () -> TraceWriter.write(architectureExample(), file));
        assertEquals(file + ": cannot write: directory " + dir.resolve("runs") + " does not exist", e.getMessage());
        assertEquals(List.of(), filesIn(dir));
    }

    @Test
    void aFailedWriteLeavesNoPartialFile() throws IOException {
        Path file = dir.resolve("trace.json.gz");
        Files.createDirectory(file);
        Files.writeString(file.resolve("keep.txt"), "mine");
        TeraioException e = assertThrows(TeraioException.class,
                () -> TraceWriter.write(architectureExample(), file));
        assertTrue(e.getMessage().startsWith(file + ": cannot write: "), e.getMessage());
        assertEquals(List.of(file), filesIn(dir));
        assertEquals(List.of(file.resolve("keep.txt")), filesIn(file));
    }

    @Test
    void streamFailureIsReported() {
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        TeraioException e = assertThrows(TeraioException.class,
                () -> TraceWriter.write(architectureExample(), full));
        assertEquals("cannot write trace: No space left on device", e.getMessage());
    }

    @Test
    void streamIsLeftOpen() {
        class CloseRecorder extends ByteArrayOutputStream {
            boolean closed;

            @Override
            public void close() {
                closed = true;
            }
        }
        CloseRecorder out = new CloseRecorder();
        TraceWriter.write(architectureExample(), out);
        assertFalse(out.closed);
        assertTrue(out.size() > 0);
    }
}
