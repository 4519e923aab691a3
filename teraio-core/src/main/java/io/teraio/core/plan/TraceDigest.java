package io.teraio.core.plan;

import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceWriter;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a trace in a plan: SHA-256 of the trace as {@link TraceWriter} writes it
 * uncompressed, so the same trace gives the same digest whether stored as {@code .json} or
 * {@code .json.gz}.
 */
public final class TraceDigest {
    private TraceDigest() {
    }

    public static String sha256(Trace trace) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        TraceWriter.write(trace, new OutputStream() {
            @Override
            public void write(int b) {
                d.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                d.update(b, off, len);
            }
        });
        return HexFormat.of().formatHex(d.digest());
    }
}
