package io.teraio.profiler.importer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.teraio.core.Gzip;
import io.teraio.core.MeteredInputStream;
import io.teraio.core.TeraioException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opens a file that is plain, gzip-compressed ({@code .gz}, detected by its magic bytes) or a
 * tar archive (possibly gzip-compressed, detected by the {@code ustar} magic at offset 257)
 * whose first regular {@code .json} entry is the payload. A minimal tar reader: ustar
 * headers, regular files, octal sizes; no sparse or multi-volume archives.
 */
final class CompressedInput {
    private static final JsonFactory JSON = new JsonFactory();

    private static final int BLOCK_BYTES = 512;
    private static final int TAR_MAGIC_OFFSET = 257;

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
            if (header.length == BLOCK_BYTES && isUstar(header)) {
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

    private static boolean isUstar(byte[] header) {
        return new String(header, TAR_MAGIC_OFFSET, 5, StandardCharsets.US_ASCII).equals("ustar");
    }

    private static InputStream tarJsonEntry(InputStream in, String name) throws IOException {
        while (true) {
            byte[] header = in.readNBytes(BLOCK_BYTES);
            if (header.length < BLOCK_BYTES) {
                throw new TeraioException(name + ": truncated tar archive (a header is cut short)");
            }
            if (isZeroBlock(header)) {
                throw new TeraioException(name + ": the tar archive holds no .json file");
            }
            String entry = cString(header, 0, 100);
            String prefix = isUstar(header) ? cString(header, 345, 155) : "";
            if (!prefix.isEmpty()) {
                entry = prefix + "/" + entry;
            }
            long size = parseOctal(header, 124, 12, name);
            byte type = header[156];
            boolean regular = type == '0' || type == 0;
            if (regular && entry.endsWith(".json")) {
                return new EntryStream(in, size, name);
            }
            long padded = (size + BLOCK_BYTES - 1) / BLOCK_BYTES * BLOCK_BYTES;
            long skipped = skip(in, padded);
            if (skipped < padded) {
                throw new TeraioException(name + ": truncated tar archive (entry " + entry + " is cut short)");
            }
        }
    }

    private static long skip(InputStream in, long count) throws IOException {
        byte[] scratch = new byte[8192];
        long done = 0;
        while (done < count) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, count - done));
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    private static boolean isZeroBlock(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] bytes, int offset, int length) {
        int end = offset;
        while (end < offset + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long parseOctal(byte[] bytes, int offset, int length, String name) {
        long value = 0;
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == 0 || b == ' ') {
                if (value > 0) {
                    break;
                }
                continue;
            }
            if (b < '0' || b > '7') {
                throw new TeraioException(name + ": corrupt tar header (size field is not octal)");
            }
            value = value * 8 + (b - '0');
        }
        return value;
    }

    /** A tar entry's content; a short read before its size is a truncated archive. */
    private static final class EntryStream extends FilterInputStream {
        private long remaining;
        private final String name;

        EntryStream(InputStream in, long size, String name) {
            super(in);
            this.remaining = size;
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new TruncatedTarException(name);
            }
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n < 0) {
                throw new TruncatedTarException(name);
            }
            remaining -= n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), remaining);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** The archive ended inside an entry. */
    static final class TruncatedTarException extends IOException {
        private static final long serialVersionUID = 1L;

        TruncatedTarException(String name) {
            super("truncated tar archive (the .json entry is cut short)");
        }
    }
}
