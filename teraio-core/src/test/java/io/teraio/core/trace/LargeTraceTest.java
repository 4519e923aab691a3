package io.teraio.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A trace the size of one Llama3-70B iteration (about 250k kernels) round-trips in seconds. */
class LargeTraceTest {
    private static final int OPS = 250_000;
    private static final int PERSISTENT = 16;
    private static final int OPS_PER_ITERATION = 50_000;

    @TempDir
    Path dir;

    /**
     * Persistent weights used in turn; op {@code i} allocates one activation, which the next
     * op uses and frees.
     */
    static Trace largeTrace() {
        List<Tensor> tensors = new ArrayList<>(PERSISTENT + OPS);
        for (int id = 0; id < PERSISTENT; id++) {
            tensors.add(new Tensor(id, "layer" + id + ".weight", 1L << 26, TensorKind.PARAMETER, true, true, 0));
        }
        String[] names = {"aten::linear", "aten::relu", "aten::add", "aten::layer_norm"};
        List<Op> ops = new ArrayList<>(OPS);
        for (int i = 0; i < OPS; i++) {
            int activation = PERSISTENT + i;
            tensors.add(new Tensor(activation, "op" + i + ".out0", 4096L * (1 + i % 7), TensorKind.ACTIVATION,
                    false, true, 0));
            int[] uses = i == 0 ? new int[] {i % PERSISTENT, activation}
                                : new int[] {i % PERSISTENT, activation - 1, activation};
            int[] frees = i == 0 ? new int[0] : new int[] {activation - 1};
            ops.add(new Op(i, names[i % names.length], 1000 + i % 5000, uses, new int[] {activation}, frees));
        }
        List<Iteration> iterations = new ArrayList<>();
        for (int first = 0; first < OPS; first += OPS_PER_ITERATION) {
            iterations.add(new Iteration(iterations.size(), first, OPS_PER_ITERATION));
        }
        return new Trace(new TraceSource("LargeTraceTest", null, "synthetic", null), iterations, tensors, ops);
    }

    @Test
    void gzipRoundTripOf250kOps() {
        Trace trace = largeTrace();
        Path file = dir.resolve("large.json.gz");
        // Generous: the round trip takes about a second, and took over 30 s in a full verify at a load
        // average of 24 on 2 cores; a slip to quadratic work (6e10 steps) would take hours.
        Trace read = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            TraceWriter.write(trace, file);
            return TraceReader.read(file);
        });
        assertEquals(OPS, read.ops().size());
        assertEquals(trace, read);
    }
}
