package io.teraio.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosingTest {
    @Test
    void everyOneIsClosedAndTheFirstFailureThrownWithTheOthersSuppressed() {
        List<String> closed = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("first");
        List<AutoCloseable> all = List.of(() -> closed.add("a"), () -> {
            closed.add("b");
            throw first;
        }, () -> {
            closed.add("c");
            throw new IOException("second");
        }, () -> closed.add("d"));
        assertSame(first, assertThrows(IllegalStateException.class, () -> Closing.all(all)));
        assertEquals(List.of("a", "b", "c", "d"), closed);
        assertEquals("second", first.getSuppressed()[0].getCause().getMessage());

        closed.clear();
        RuntimeException failure = new RuntimeException("opening failed");
        assertSame(failure, Closing.after(failure, all));
        assertEquals(List.of("a", "b", "c", "d"), closed);
        assertEquals(List.of("first", "second"), List.of(failure.getSuppressed()).stream().map(Throwable::getMessage).toList());
    }
}
