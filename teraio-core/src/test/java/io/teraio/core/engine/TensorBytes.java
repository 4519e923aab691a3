package io.teraio.core.engine;

import static org.junit.jupiter.api.Assertions.fail;

import io.teraio.core.storage.DeviceBuffer;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Fills device buffers with bytes from a seed and checks every byte against the seed. */
final class TensorBytes {
    private static final int CHUNK = 1 << 20;

    private TensorBytes() {
    }

    /** A seed for a tensor's content: its key and the version of that content. */
    static long seed(String key, long version) {
        return key.hashCode() * 0x9E3779B97F4A7C15L + version;
    }

    /** Writes the seed's bytes into {@code buffer[0, bytes())} (through copyFromHost, so any buffer works). */
    static void fill(DeviceBuffer buffer, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[(int) Math.min(CHUNK, buffer.bytes())];
        for (long offset = 0; offset < buffer.bytes(); offset += chunk.length) {
            int n = (int) Math.min(chunk.length, buffer.bytes() - offset);
            random.nextBytes(chunk);
            buffer.copyFromHost(offset, ByteBuffer.wrap(chunk, 0, n));
        }
    }

    /** Whether {@code buffer[0, bytes())} holds the seed's bytes. */
    static boolean matches(DeviceBuffer buffer, long seed) {
        return firstMismatch(buffer, seed) < 0;
    }

    /** Fails naming the first byte that differs from the seed's. */
    static void check(DeviceBuffer buffer, long seed, String what) {
        long at = firstMismatch(buffer, seed);
        if (at >= 0) {
            fail(what + ": byte " + at + " of " + buffer.bytes() + " differs from the bytes written");
        }
    }

    private static long firstMismatch(DeviceBuffer buffer, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] expected = new byte[(int) Math.min(CHUNK, buffer.bytes())];
        byte[] actual = new byte[expected.length];
        for (long offset = 0; offset < buffer.bytes(); offset += expected.length) {
            int n = (int) Math.min(expected.length, buffer.bytes() - offset);
            random.nextBytes(expected);
            buffer.copyToHost(offset, ByteBuffer.wrap(actual, 0, n));
            int i = Arrays.mismatch(expected, 0, n, actual, 0, n);
            if (i >= 0) {
                return offset + i;
            }
        }
        return -1;
    }
}
