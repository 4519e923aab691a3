package io.teraio.core.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * A stream that tells a listener how many bytes are read (or skipped) through it, as they
 * are: for progress over a file read by code that only takes a stream.
 */
public final class MeteredInputStream extends FilterInputStream {
    private final LongConsumer bytesRead;

    /** @param bytesRead told the count of every read or skip that moved at least one byte */
    public MeteredInputStream(InputStream in, LongConsumer bytesRead) {
        super(in);
        this.bytesRead = bytesRead;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            bytesRead.accept(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            bytesRead.accept(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        if (skipped > 0) {
            bytesRead.accept(skipped);
        }
        return skipped;
    }
}
