package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.DeviceBuffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link LaunchedKernels} that run every launch through {@code mlp_kernels_harness} (the C
 * build of {@code mlp_kernels.cu}, built by Maven in test-compile: system property
 * {@code teraio.custom.kernelHarness}), one process per launch, on host device memory: the
 * launches {@link CudaKernels} would make, computed by the same kernel source, without a GPU.
 */
final class HarnessKernels extends LaunchedKernels {
    private final Path harness;
    int launches;

    HarnessKernels() {
        String path = System.getProperty("teraio.custom.kernelHarness");
        assertTrue(path != null && Files.isExecutable(Path.of(path)),
                "the kernel harness is built by Maven (gcc, test-compile) and named by -Dteraio.custom.kernelHarness,"
                        + " got " + path);
        harness = Path.of(path);
    }

    @Override
    protected void launch(Launch launch) {
        List<LaunchedKernels.BufferArg> buffers = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] name = launch.kernel().getBytes(StandardCharsets.US_ASCII);
        putInts(bytes, name.length);
        bytes.writeBytes(name);
        putInts(bytes, launch.blocks(), BLOCK_THREADS, launch.args().size());
        for (Object arg : launch.args()) {
            if (arg instanceof BufferArg b) {
                buffers.add(b);
                float[] floats = new float[b.floats()];
                CpuKernels.read(b.buffer(), floats, b.floats());
                putInts(bytes, 0, b.floats());
                ByteBuffer bb = ByteBuffer.allocate(floats.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(floats);
                bytes.writeBytes(bb.array());
            } else if (arg instanceof Integer v) {
                putInts(bytes, 1, v);
            } else {
                putInts(bytes, 2, Float.floatToRawIntBits((Float) arg));
            }
        }
        byte[] output = run(launch.kernel(), bytes.toByteArray());
        ByteBuffer result = ByteBuffer.wrap(output).order(ByteOrder.LITTLE_ENDIAN);
        for (BufferArg b : buffers) {
            float[] floats = new float[b.floats()];
            result.asFloatBuffer().get(floats);
            result.position(result.position() + floats.length * Float.BYTES);
            CpuKernels.write(b.buffer(), floats, floats.length);
        }
        if (result.hasRemaining()) {
            throw new AssertionError(launch.kernel() + ": the harness wrote " + output.length + " bytes, "
                    + result.remaining() + " more than the buffers hold");
        }
        launches++;
    }

    /** Runs the harness on {@code input}; its stdout, or an AssertionError with its stderr. */
    private byte[] run(String kernel, byte[] input) {
        try {
            Process p = new ProcessBuilder(harness.toString()).redirectError(ProcessBuilder.Redirect.PIPE).start();
            try (OutputStream stdin = p.getOutputStream()) {
                stdin.write(input);
            }
            byte[] out;
            byte[] err;
            try (InputStream stdout = p.getInputStream(); InputStream stderr = p.getErrorStream()) {
                out = stdout.readAllBytes();
                err = stderr.readAllBytes();
            }
            int code = p.waitFor();
            if (code != 0) {
                throw new AssertionError(kernel + ": the harness exited " + code + ": "
                        + new String(err, StandardCharsets.UTF_8).trim());
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(kernel + ": cannot run " + harness + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(kernel + ": interrupted", e);
        }
    }

    private static void putInts(ByteArrayOutputStream out, int... values) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            bb.putInt(v);
        }
        out.writeBytes(bb.array());
    }

    /** Nothing held between launches. */
    @Override
    public void close() {
    }

    /** Floats {@code 0..n-1} of a buffer, for assertions. */
    static float[] floats(DeviceBuffer buffer, int n) {
        float[] f = new float[n];
        CpuKernels.read(buffer, f, n);
        return f;
    }
}
