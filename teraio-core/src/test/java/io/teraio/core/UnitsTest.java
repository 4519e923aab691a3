package io.teraio.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void bytesAreExactBelowOneKibAndBinaryAbove() {
        assertEquals("0 B", Units.formatBytes(0));
        assertEquals("1023 B", Units.formatBytes(1023));
        assertEquals("1.00 KiB", Units.formatBytes(1024));
        assertEquals("1.50 MiB", Units.formatBytes(3L << 19));
        assertEquals("4.00 GiB", Units.formatBytes(4L << 30));
        assertEquals("-2.00 KiB", Units.formatBytes(-2048));
    }

    @Test
    void nanosPickTheLargestUnitBelowTheValue() {
        assertEquals("800 ns", Units.formatNanos(800));
        assertEquals("1.50 µs", Units.formatNanos(1_500));
        assertEquals("21.50 ms", Units.formatNanos(21_500_000));
        assertEquals("3.00 s", Units.formatNanos(3_000_000_000L));
    }
}
