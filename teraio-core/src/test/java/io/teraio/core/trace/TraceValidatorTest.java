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
}
