package io.teraio.core.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import io.teraio.core.TeraioException;
import io.teraio.core.internal.Gzip;
import io.teraio.core.internal.json.JsonFiles;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads trace files (format version 1, see {@code docs/trace-format.md}), plain or gzip
 * compressed, and checks them with {@link TraceValidator}. Reading streams: a 250k-op trace
 * needs little more memory than the {@link Trace} it becomes.
 *
 * <p>Every problem is a {@link TeraioException} whose message names the file; a file that
 * breaks the format gets a {@link TraceFormatException} that also says where
 * ({@code line:column} and JSON pointer) and what is wrong:
 * {@code trace.json:12:7: /ops/3/uses/1: op 3 (relu) uses unknown tensor 99}.
 */
public final class TraceReader {
    private static final Logger LOG = LoggerFactory.getLogger(TraceReader.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final int BUFFER_BYTES = 1 << 16;
    /** How some of Jackson's messages refer to a second place; we write {@code line:column}. */
    private static final Pattern JACKSON_LOCATION = Pattern.compile("\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)]");

    private TraceReader() {
    }

    /**
     * Reads and validates a trace file, {@code .json} or {@code .json.gz}; gzip is recognised
     * by its magic bytes, not by the name.
     *
     * @throws TraceFormatException if the file is not a valid trace
     * @throws TeraioException      if the file cannot be read (missing, a directory, no permission)
     */
    public static Trace read(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new TeraioException(name + ": cannot read: is a directory");
        }
        long startNs = System.nanoTime();
        try (InputStream in = Files.newInputStream(file)) {
            Trace trace = read(in, name);
            LOG.debug("read {}: {} ops, {} tensors, {} iterations in {} ms", name, trace.ops().size(),
                    trace.tensors().size(), trace.iterations().size(), (System.nanoTime() - startNs) / 1_000_000);
            return trace;
        } catch (NoSuchFileException e) {
            throw new TeraioException(name + ": no such file", e);
        } catch (IOException e) {
            throw new TeraioException(name + ": cannot read: " + JsonFiles.reason(e), e);
        }
    }

    /**
     * Reads and validates a trace from a stream, plain or gzip compressed, to its end.
     * Does not close {@code in}.
     *
     * @param sourceName what error messages call the stream, in place of a file name
     * @throws TraceFormatException if the stream does not hold a valid trace
     * @throws TeraioException      if reading the stream fails
     */
    public static Trace read(InputStream in, String sourceName) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(sourceName, "sourceName");
        BufferedInputStream buffered = new BufferedInputStream(new KeepOpen(in), BUFFER_BYTES);
        boolean gzip = false;
        try {
            gzip = Gzip.startsWithMagic(buffered);
            try (InputStream body = gzip ? new GZIPInputStream(buffered, BUFFER_BYTES) : buffered;
                 JsonParser json = JSON.createParser(body)) {
                return new TraceParser(json, sourceName).parse();
            }
        } catch (JsonEOFException e) {
            throw new TraceFormatException(sourceName, location(e), pointer(e),
                    "truncated: the input ends in the middle of the trace", e);
        } catch (JsonProcessingException e) {
            throw new TraceFormatException(sourceName, location(e), pointer(e),
                    "not valid JSON: " + JACKSON_LOCATION.matcher(e.getOriginalMessage()).replaceAll("$1:$2"), e);
        } catch (ZipException | EOFException e) {
            if (!gzip) {
                throw new TeraioException(sourceName + ": cannot read: " + JsonFiles.reason(e), e);
            }
            throw new TraceFormatException(sourceName, null, null,
                    "truncated or corrupt gzip data (" + JsonFiles.reason(e) + ")", e);
        } catch (IOException e) {
            throw new TeraioException(sourceName + ": cannot read: " + JsonFiles.reason(e), e);
        }
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? null : SourceLocations.format(SourceLocations.pack(e.getLocation()));
    }

    /** Where in the document the parser was, or {@code null} at the top level. */
    private static String pointer(JsonProcessingException e) {
        if (e instanceof StreamReadException sre && sre.getProcessor() != null) {
            String pointer = sre.getProcessor().getParsingContext().pathAsPointer().toString();
            return pointer.isEmpty() ? null : pointer;
        }
        return null;
    }

    /** Lets the reader close what it stacks on a caller's stream without closing that stream. */
    private static final class KeepOpen extends FilterInputStream {
        KeepOpen(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
