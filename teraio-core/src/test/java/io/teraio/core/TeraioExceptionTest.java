package io.teraio.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.teraio.core.trace.TraceReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TeraioExceptionTest {
    @Test
    void controlCharactersFromTheInputAreEscapedSoTheMessageIsOneLine() {
        assertEquals("key 'a\\nb\\r\\tc\\u001b[31m\\u0085' is bad",
                new TeraioException("key 'a\nb\r\tc\u001b[31m\u0085' is bad").getMessage());
        assertEquals("plain: ünïcode stays", new TeraioException("plain: ünïcode stays", null).getMessage());
        assertNull(new TeraioException(null).getMessage());
    }

    @Test
    void aJsonKeyWithANewlineIsEscapedInTheTraceReadersPointer() {
        // found by ReadersFuzzTest.traceReader: the pointer named a key holding a newline
        byte[] trace = "{\"format\": \"teraio-trace\", \"version\": 1, \"te\\nsors\": [x]}"
                .getBytes(StandardCharsets.UTF_8);
        TeraioException e = assertThrows(TeraioException.class,
                () -> TraceReader.read(new ByteArrayInputStream(trace), "t.json"));
        assertEquals("t.json:1:55: /te\\nsors/0: not valid JSON: Unrecognized token 'x': was expecting"
                + " (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", e.getMessage());
    }
}
