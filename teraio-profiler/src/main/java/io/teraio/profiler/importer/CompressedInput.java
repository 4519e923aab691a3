package io.teraio.profiler.importer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.teraio.core.TeraioException;
import io.teraio.core.internal.Gzip;
import io.teraio.core.internal.MeteredInputStream;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Opens a file that is plain, gzip-compressed ({@code .gz}, detected by its magic bytes) or a
 * tar archive (possibly gzip-compressed, detected by the {@code ustar} magic at offset 257)
 * whose first regular {@code .json} entry is the payload (read with commons-compress).
 */
final class CompressedInput {
    private static final JsonFactory JSON = new JsonFactory();

    private static final int BLOCK_BYTES = 512;

    private CompressedInput() {
    }

    /**
     * Opens {@code file} for reading its (decompressed, unpacked) content.
     *
     * @throws TeraioException if the file is missing, unreadable, or a tar holds no .json entry
     */
    static InputStream open(Path file, LongConsumer bytesRead) {
        String name = file.toString();
        try {
            BufferedInputStream raw = new BufferedInputStream(new MeteredInputStream(Files.newInputStream(file), bytesRead),
                    1 << 16);
            InputStream content = raw;
            if (Gzip.startsWithMagic(raw)) {
                content = new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
            }
            content.mark(BLOCK_BYTES);
            byte[] header = content.readNBytes(BLOCK_BYTES);
            content.reset();
            if (header.length == BLOCK_BYTES && TarArchiveInputStream.matches(header, header.length)) {
                return tarJsonEntry(content, name);
            }
            return content;
        } catch (NoSuchFileException e) {
            throw new TeraioException(name + ": no such file", e);
        } catch (EOFException e) {
            throw new TeraioException(name + ": truncated compressed data (unexpected end of file)", e);
        } catch (IOException e) {
            throw new TeraioException(name + ": cannot read: " + oneLine(e), e);
        }
    }

    /** Takes one top-level field of a JSON object; it must consume the field's value. */
    interface FieldReader {
        void read(String field, JsonToken token, JsonParser parser) throws IOException;
    }

    /**
     * Streams the top-level object of a JSON file (plain, gzip or tar.gz) field by field,
     * turning parse and I/O problems into one-line errors that name the file.
     *
     * @param what what the file should be, for "not a WHAT: the top level is not a JSON object"
     * @throws TeraioException if the file cannot be read or is not a JSON object
     */
    static void readObject(Path file, String what, LongConsumer bytesRead, FieldReader reader) {
        String name = file.toString();
        try (InputStream in = open(file, bytesRead);
             JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TeraioException(name + ": not a " + what + ": the top level is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                reader.read(field, p.nextToken(), p);
            }
        } catch (JsonParseException e) {
            String problem = e.getMessage() != null && e.getMessage().contains("end-of-input")
                    ? "truncated JSON (unexpected end of input)" : "malformed JSON: " + oneLine(e);
            throw new TeraioException(name + ":" + e.getLocation().getLineNr() + ": " + problem, e);
        } catch (IOException e) {
            throw new TeraioException(name + ": " + describe(e), e);
        }
    }

    /** Describes an I/O problem met while reading an opened input, for a one-line message. */
    static String describe(IOException e) {
        if (e instanceof EOFException) {
            return "truncated compressed data (unexpected end of file)";
        }
        if (e instanceof ZipException) {
            return "corrupt gzip data: " + oneLine(e);
        }
        if (e instanceof TruncatedTarException) {
            return e.getMessage();
        }
        return "cannot read: " + oneLine(e);
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static InputStream tarJsonEntry(InputStream in, String name) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        TarArchiveEntry entry;
        try {
            while ((entry = tar.getNextEntry()) != null) {
                if (entry.isFile() && entry.getName().endsWith(".json")) {
                    return new EntryStream(tar);
                }
            }
        } catch (EOFException e) {
            throw new TeraioException(name + ": truncated tar archive (" + oneLine(e) + ")", e);
        } catch (IOException | IllegalArgumentException e) {
            // commons-compress reports a corrupt header (a size field that is not octal) as either
            throw new TeraioException(name + ": corrupt tar archive: " + oneLine(e), e);
        }
        throw new TeraioException(name + ": the tar archive holds no .json file");
    }

    /**
     * A tar entry's content; an archive that ends inside it is a truncated archive, reported as
     * such ({@link #describe}), not as the truncated compressed data an EOFException means elsewhere.
     */
    private static final class EntryStream extends FilterInputStream {
        EntryStream(TarArchiveInputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw truncated(e);
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                return in.read(buffer, offset, length);
            } catch (IOException e) {
                throw truncated(e);
            }
        }

        private static IOException truncated(IOException e) {
            // commons-compress says so in the message of a plain IOException ("Truncated TAR archive")
            return e instanceof EOFException || String.valueOf(e.getMessage()).contains("runcated")
                    ? new TruncatedTarException(e) : e;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** The archive ended inside an entry. */
    static final class TruncatedTarException extends IOException {
        private static final long serialVersionUID = 1L;

        TruncatedTarException(IOException cause) {
            super("truncated tar archive (the .json entry is cut short)", cause);
        }
    }
}
