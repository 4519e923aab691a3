package io.teraio.core.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Recognises gzip data by its first two bytes ({@code 1f 8b}), never by a file's name. */
public final class Gzip {
    private Gzip() {
    }

    /** Whether {@code in} starts with gzip's magic bytes; {@code in} is left where it was. */
    public static boolean startsWithMagic(BufferedInputStream in) throws IOException {
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == 0x1f && second == 0x8b;
    }

    /**
     * {@code in} decompressed if it starts with gzip's magic bytes, otherwise {@code in} itself.
     *
     * @throws IOException if the gzip header cannot be read (an {@link java.io.EOFException}
     *                     when the data ends inside it)
     */
    public static InputStream decompressIfGzip(BufferedInputStream in, int bufferBytes) throws IOException {
        return startsWithMagic(in) ? new GZIPInputStream(in, bufferBytes) : in;
    }
}
