package io.teraio.core.trace;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Traces and trace documents the tests share. */
final class TraceFixtures {
    /**
     * The example of ARCHITECTURE.md, laid out as {@link TraceWriter} writes it: the
     * iteration is on line 6, the tensors on lines 9 and 10, the ops on lines 13 to 15.
     */
    static final String EXAMPLE_JSON = """
            {
              "format": "teraio-trace",
              "version": 1,
              "source": {"tool": "teraio-agent 0.1.0", "framework": "djl 0.35.1 / pytorch 2.7.1", "model": "mlp", "device": "cpu"},
              "iterations": [
                {"index": 0, "firstOp": 0, "opCount": 3}
              ],
              "tensors": [
                {"id": 0, "key": "layer0.weight", "bytes": 4096, "kind": "parameter", "persistent": true, "offloadable": true, "device": 0},
                {"id": 1, "key": "op0.out0", "bytes": 8192, "kind": "activation", "persistent": false, "offloadable": true, "device": 0}
              ],
              "ops": [
                {"index": 0, "name": "linear", "durationNs": 1000, "uses": [0, 1], "allocs": [1], "frees": []},
                {"index": 1, "name": "relu", "durationNs": 500, "uses": [1], "allocs": [], "frees": []},
                {"index": 2, "name": "sum", "durationNs": 200, "uses": [1], "allocs": [], "frees": [1]}
              ]
            }
            """;

    private TraceFixtures() {
    }

    /** The trace {@link #EXAMPLE_JSON} holds. */
    static Trace architectureExample() {
        return new Trace(
                new TraceSource("teraio-agent 0.1.0", "djl 0.35.1 / pytorch 2.7.1", "mlp", "cpu"),
                List.of(new Iteration(0, 0, 3)),
                List.of(new Tensor(0, "layer0.weight", 4096, TensorKind.PARAMETER, true, true, 0),
                        new Tensor(1, "op0.out0", 8192, TensorKind.ACTIVATION, false, true, 0)),
                List.of(new Op(0, "linear", 1000, new int[] {0, 1}, new int[] {1}, new int[0]),
                        new Op(1, "relu", 500, new int[] {1}, new int[0], new int[0]),
                        new Op(2, "sum", 200, new int[] {1}, new int[0], new int[] {1})));
    }

    /**
     * The example with a tensor of every kind, a size over 4 GiB, a workspace that lives for
     * one op, a gradient that is never freed, two devices and a source with a missing field.
     */
    static Trace everyKind() {
        return new Trace(
                new TraceSource("teraio-agent 0.1.0", "djl 0.35.1 / pytorch 2.7.1", "mlp", null),
                List.of(new Iteration(0, 0, 2), new Iteration(1, 2, 1)),
                List.of(new Tensor(0, "layer0.weight", 4096, TensorKind.PARAMETER, true, true, 0),
                        new Tensor(1, "op0.out0", 8192, TensorKind.ACTIVATION, false, true, 0),
                        new Tensor(7, "layer0.weight.grad", 4096, TensorKind.GRADIENT, false, false, 0),
                        new Tensor(3, "layer0.adam.m", 5_000_000_000L, TensorKind.OPTIMIZER_STATE, true, true, 0),
                        new Tensor(4, "op1.ws0", 1024, TensorKind.WORKSPACE, false, false, 1),
                        new Tensor(5, "rng.state", 16, TensorKind.OTHER, true, false, 1)),
                List.of(new Op(0, "linear", 1000, new int[] {0, 1}, new int[] {1}, new int[0]),
                        new Op(1, "relu", 500, new int[] {1, 4}, new int[] {4}, new int[] {4}),
                        new Op(2, "sum", 200, new int[] {1, 7, 3, 5}, new int[] {7}, new int[] {1})));
    }

    /** {@code document} with {@code from} replaced by {@code to}, which must occur in it. */
    static String edit(String document, String from, String to) {
        if (!document.contains(from)) {
            throw new IllegalArgumentException("the document has no " + from);
        }
        return document.replace(from, to);
    }

    static ByteArrayInputStream utf8(String document) {
        return new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] gzip(String document) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(document.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
