package io.teraio.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ControlCharactersTest {
    private static final String UNSAFE = "a\nb\tc\rd\u001be\u007ff\u0085g\u2028h\u202ei\u2066j";

    @Test
    void oneLineEscapesEveryControlCharacter() {
        assertEquals("a\\nb\\tc\\rd\\u001be\\u007ff\\u0085g\\u2028h\\u202ei\\u2066j", ControlCharacters.escape(UNSAFE, false));
    }

    @Test
    void terminalOutputKeepsItsLinesAndTabsAndEscapesTheRestTheSameWay() {
        assertEquals("a\nb\tc\\rd\\u001be\\u007ff\\u0085g\\u2028h\\u202ei\\u2066j", ControlCharacters.escape(UNSAFE, true));
    }

    @Test
    void plainTextIsReturnedAsItIs() {
        String plain = "plain: ünïcode, µs and → stay";
        assertSame(plain, ControlCharacters.escape(plain, false));
        assertNull(ControlCharacters.escape(null, true));
    }
}
