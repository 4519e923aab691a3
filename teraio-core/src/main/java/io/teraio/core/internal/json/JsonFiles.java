package io.teraio.core.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.teraio.core.TeraioException;
import io.teraio.core.internal.Gzip;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Small JSON documents (plans, hardware profiles) read whole as trees and written
 * atomically, plain or gzip (by the name on write, by the magic bytes on read). Errors name
 * the file and say what is wrong in one line.
 */
public final class JsonFiles {
    private JsonFiles() {
    }

    /**
     * The mapper, made on first use: a process that only streams JSON ({@code TraceWriter},
     * the agent in a training job) never loads jackson-databind's classes.
     */
    private static final class Mapper {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** The shared mapper (for building trees). */
    public static ObjectMapper mapper() {
        return Mapper.MAPPER;
    }

    /**
     * Reads a JSON document.
     *
     * @throws TeraioException naming the file if it is missing, unreadable or not JSON
     */
    public static JsonNode read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new TeraioException(file + ": cannot read: " + reason(e), e);
        }
    }

    /**
     * Reads a JSON document, plain or gzip compressed, from a stream, which it reads to the end
     * and closes.
     *
     * @param sourceName what error messages call the stream, in place of a file name
     * @throws TeraioException naming the source if it is empty, unreadable or not JSON
     */
    public static JsonNode read(InputStream in, String sourceName) {
        try {
            BufferedInputStream raw = new BufferedInputStream(in, 1 << 16);
            raw.mark(1);
            if (raw.read() < 0) {
                throw new TeraioException(sourceName + ": empty file");
            }
            raw.reset();
            JsonNode node = mapper().readTree(Gzip.decompressIfGzip(raw, 1 << 16));
            if (node == null || node.isMissingNode()) {
                throw new TeraioException(sourceName + ": empty file");
            }
            return node;
        } catch (JsonParseException e) {
            String problem = e.getMessage() != null && e.getMessage().contains("end-of-input")
                    ? "truncated JSON (unexpected end of input)" : "not valid JSON: " + e.getOriginalMessage();
            throw new TeraioException(sourceName + ":" + e.getLocation().getLineNr() + ":"
                    + e.getLocation().getColumnNr() + ": " + problem, e);
        } catch (IOException e) {
            throw new TeraioException(sourceName + ": cannot read: " + reason(e), e);
        }
    }

    /** Writes one JSON value (an object, with its fields) to a generator. */
    public interface Value {
        void writeTo(JsonGenerator json) throws IOException;
    }

    /** Generators that leave their stream open (the caller's, or {@link #writeAtomically}'s). */
    private static final JsonFactory STREAMING = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    /**
     * Writes {@code value} to {@code file}, indented as {@link #write(JsonNode, Path)} does, as
     * {@link #writeAtomically} does; streamed, so jackson-databind is not loaded.
     *
     * @throws TeraioException naming the file if it cannot be written
     */
    public static void write(Value value, Path file) {
        writeAtomically(file, out -> {
            try (JsonGenerator json = STREAMING.createGenerator(out)) {
                json.useDefaultPrettyPrinter();
                value.writeTo(json);
            }
        });
    }

    /** {@code value} as a tree, to read or to place in a larger document. */
    public static JsonNode tree(Value value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            try (JsonGenerator json = STREAMING.createGenerator(bytes)) {
                value.writeTo(json);
            }
            return mapper().readTree(bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
    }

    /** What {@link #writeAtomically} runs to produce a file's content. */
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code node} to {@code file} (gzip when the name ends in {@code .gz}) through a
     * temporary file in the same directory, so a failure leaves no partial file.
     *
     * @throws TeraioException naming the file if it cannot be written
     */
    public static void write(JsonNode node, Path file) {
        writeAtomically(file, out -> mapper().writeValue(new NonClosing(out), node));
    }

    /**
     * Writes what {@code body} produces to {@code file}, gzip compressed when the name ends
     * in {@code .gz}, through a temporary file in the same directory that then replaces
     * {@code file}: a failure leaves no partial file behind.
     *
     * @throws TeraioException naming the file if it cannot be written
     */
    public static void writeAtomically(Path file, Body body) {
        Path directory = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            throw new TeraioException(file + ": cannot write: directory " + directory + " does not exist");
        }
        String name = file.getFileName().toString();
        Path temporary = directory.resolve("." + name + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        boolean moved = false;
        try {
            try (OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW)) {
                if (name.endsWith(".gz")) {
                    try (GZIPOutputStream gzip = new GZIPOutputStream(out, 1 << 16)) {
                        body.writeTo(gzip);
                    }
                } else {
                    body.writeTo(out);
                }
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } catch (IOException e) {
            throw new TeraioException(file + ": cannot write: " + reason(e), e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // nothing more to do: the write already failed
                }
            }
        }
    }

    /** The reason alone, without the path that {@code java.nio} puts in most messages. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e.getMessage() != null) {
            return e.getMessage();
        }
        return e instanceof EOFException ? "the data ends early" : e.getClass().getSimpleName();
    }

    /** Jackson closes what it writes to; the gzip stream must be finished by its owner. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
