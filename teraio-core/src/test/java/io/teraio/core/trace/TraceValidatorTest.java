package io.teraio.core.trace;

import static io.teraio.core.trace.TraceFixtures.architectureExample;
import static io.teraio.core.trace.TraceFixtures.everyKind;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The validator on traces built in memory, as the profiler's recorder builds them. */
class TraceValidatorTest {
    private static final Tensor WEIGHT = new Tensor(0, "w", 64, TensorKind.PARAMETER, true, true, 0);
    private static final Tensor ACTIVATION = new Tensor(1, "op0.out0", 64, TensorKind.ACTIVATION, false, true, 0);
    private static final int[] NONE = {};

    private static Trace trace(Op... ops) {
        return new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, ops.length)), List.of(WEIGHT, ACTIVATION),
                List.of(ops));
    }

    private static Op op(int index, int[] uses, int[] allocs, int[] frees) {
        return new Op(index, "op" + index, 10, uses, allocs, frees);
    }

    @Test
    void acceptsTheExamples() {
        assertDoesNotThrow(() -> TraceValidator.validate(architectureExample(), "recorder"));
        assertDoesNotThrow(() -> TraceValidator.validate(everyKind(), "recorder"));
    }

    @Test
    void aTensorNoOpAllocatesIsLiveFromTheFirstOp() {
        Trace trace = trace(op(0, new int[] {0, 1}, NONE, NONE), op(1, new int[] {1}, NONE, new int[] {1}));
        assertDoesNotThrow(() -> TraceValidator.validate(trace, "recorder"));
    }

    @Test
    void theAllocatingAndTheFreeingOpMayBeOne() {
        Trace trace = trace(op(0, new int[] {0, 1}, new int[] {1}, new int[] {1}));
        assertDoesNotThrow(() -> TraceValidator.validate(trace, "recorder"));
    }

    @Test
    void withoutALocatorTheMessageHasNoLineNumber() {
        Trace trace = trace(op(0, new int[] {0}, NONE, NONE), op(1, new int[] {99}, NONE, NONE));
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceValidator.validate(trace, "recorder"));
        assertEquals("recorder: /ops/1/uses/0: op 1 (op1) uses unknown tensor 99", e.getMessage());
        assertNull(e.location());
    }

    @Test
    void theLocatorPlacesTheOffendingValue() {
        Trace trace = trace(op(0, new int[] {1}, NONE, new int[] {1}), op(1, new int[] {1}, NONE, NONE));
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceValidator.validate(trace,
                "trace.json", pointer -> pointer.equals("/ops/1/uses/0") ? "42:7" : null));
        assertEquals("trace.json:42:7: /ops/1/uses/0: op 1 (op1) uses tensor 1 (op0.out0) after op 0 (op0) freed it",
                e.getMessage());
    }

    @Test
    void theTensorsTogetherHoldAtMostTwoToTheFifty() {
        long quarter = TraceValidator.MAX_TOTAL_BYTES / 4;
        List<Tensor> full = List.of(new Tensor(0, "a", quarter, TensorKind.PARAMETER, true, true, 0),
                new Tensor(1, "b", quarter, TensorKind.PARAMETER, true, true, 0),
                new Tensor(2, "c", 2 * quarter, TensorKind.PARAMETER, true, true, 0));
        Op use = op(0, new int[] {0}, NONE, NONE);
        assertDoesNotThrow(() -> TraceValidator.validate(new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, 1)),
                full, List.of(use)), "recorder"));
        List<Tensor> over = List.of(full.get(0), full.get(1), full.get(2),
                new Tensor(3, "d", 1, TensorKind.OTHER, true, true, 0));
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceValidator.validate(
                new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, 1)), over, List.of(use)), "recorder"));
        assertEquals("recorder: /tensors/3/bytes: tensor 3 (d) has bytes 1, which takes the tensors' total past the limit"
                + " of 2^50 bytes (1 PiB)", e.getMessage());
        List<Tensor> max = List.of(new Tensor(0, "e", Long.MAX_VALUE, TensorKind.OTHER, true, true, 0),
                new Tensor(1, "f", Long.MAX_VALUE, TensorKind.OTHER, true, true, 0));
        e = assertThrows(TraceFormatException.class, () -> TraceValidator.validate(
                new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, 1)), max, List.of(use)), "recorder"));
        assertEquals("/tensors/0/bytes", e.pointer());
    }

    @Test
    void theOpsTogetherLastAtMostTwoToTheFiftyNanoseconds() {
        long half = TraceValidator.MAX_TOTAL_DURATION_NS / 2;
        Trace atLimit = trace(new Op(0, "a", half, new int[] {0}, NONE, NONE), new Op(1, "b", half, new int[] {0}, NONE,
                NONE));
        assertDoesNotThrow(() -> TraceValidator.validate(atLimit, "recorder"));
        Trace over = trace(new Op(0, "a", half, new int[] {0}, NONE, NONE), new Op(1, "b", half + 1, new int[] {0}, NONE,
                NONE));
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceValidator.validate(over, "recorder"));
        assertEquals("recorder: /ops/1/durationNs: op 1 (b) has durationNs " + (half + 1) + ", which takes the ops' total"
                + " past the limit of 2^50 ns (about 13 days)", e.getMessage());
        Trace longest = trace(new Op(0, "a", Long.MAX_VALUE, new int[] {0}, NONE, NONE));
        assertEquals("/ops/0/durationNs", assertThrows(TraceFormatException.class,
                () -> TraceValidator.validate(longest, "recorder")).pointer());
    }
}
