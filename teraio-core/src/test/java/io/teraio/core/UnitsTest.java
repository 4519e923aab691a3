package io.teraio.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        assertEquals("8.00 EiB", Units.formatBytes(Long.MAX_VALUE));
        assertEquals("-8.00 EiB", Units.formatBytes(Long.MIN_VALUE));
    }

    @Test
    void theMostNegativeValuesFormatWithoutRecursingForever() {
        assertEquals("-9223372036.85 s", Units.formatNanos(Long.MIN_VALUE));
        assertEquals("-800 ns", Units.formatNanos(-800));
    }

    @Test
    void sizesParseWithBinaryMultiples() {
        assertEquals(4096, Units.parseBytes("k", "4096"));
        assertEquals(4096, Units.parseBytes("k", "4k"));
        assertEquals(4096, Units.parseBytes("k", "4KiB"));
        assertEquals(3L << 19, Units.parseBytes("k", "1.5m"));
        assertEquals(40L << 30, Units.parseBytes("k", " 40G "));
        assertEquals(2L << 40, Units.parseBytes("k", "2tib"));
        assertEquals(2L << 40, Units.parseBytes("k", "2T"));
        assertEquals(7L << 60, Units.parseBytes("k", "7e"));
        assertEquals(512, Units.parseBytes("k", ".5k"));
    }

    @Test
    void aUnitWithBAloneIsDecimalAndARateMayEndInPerSecond() {
        assertEquals(3_200_000_000L, Units.parseBytes("k", "3.2GB"));
        assertEquals(3_200_000_000L, Units.parseBytes("k", "3.2GB/s"));
        assertEquals(15_754_000_000L, Units.parseBytes("k", "15.754gb/s"));
        assertEquals(3_435_973_837L, Units.parseBytes("k", "3.2GiB/s"));
        assertEquals(3_435_973_837L, Units.parseBytes("k", "3.2g"));
        assertEquals(94_000_000_000L, Units.parseBytes("k", "94GB"));
        assertEquals(4000, Units.parseBytes("k", "4kB"));
        assertEquals(2_000_000_000_000L, Units.parseBytes("k", "2tb"));
        assertEquals(512, Units.parseBytes("k", "512b"));
        assertEquals(512, Units.parseBytes("k", "512B/s"));
    }

    @Test
    void sizesThatAreNeverAFewBytesNeedAUnit() {
        TeraioException e = assertThrows(TeraioException.class, () -> Units.parseBytesWithUnit("--gpu-mem", "40"));
        assertEquals("--gpu-mem: '40' has no unit; did you mean 40g (GiB), 40GB (decimal) or 40m? Write 40b for bytes",
                e.getMessage());
        assertEquals(40L << 30, Units.parseBytesWithUnit("--gpu-mem", "40g"));
        assertEquals(40, Units.parseBytesWithUnit("--gpu-mem", "40b"));
        assertEquals(0, Units.parseBytesWithUnit("--host-mem", "0"));
    }

    @Test
    void badSizesNameTheKey() {
        for (String bad : new String[] {"", "k", "-1", "4x", "nan", "1e3", "4f", "0x10", "9e", "1.5.2", "gb", "4ib",
                "/s", "4g/"}) {
            TeraioException e = assertThrows(TeraioException.class, () -> Units.parseBytes("io.taskSize", bad));
            assertEquals("io.taskSize: '" + bad + "' is not a size; use bytes or a number with k, m, g, t (1k = 1024)"
                    + " or kB, MB, GB, TB (1 kB = 1000), such as 4k, 1.5m, 40g, 3.2GB", e.getMessage());
        }
    }

    @Test
    void nanosPickTheLargestUnitBelowTheValue() {
        assertEquals("800 ns", Units.formatNanos(800));
        assertEquals("1.50 µs", Units.formatNanos(1_500));
        assertEquals("21.50 ms", Units.formatNanos(21_500_000));
        assertEquals("3.00 s", Units.formatNanos(3_000_000_000L));
    }

    @Test
    void durationsParseWithUnits() {
        assertEquals(20_000, Units.parseNanos("k", "20us"));
        assertEquals(20_000, Units.parseNanos("k", "20µs"));
        assertEquals(1_500_000, Units.parseNanos("k", "1.5ms"));
        assertEquals(2_000_000_000L, Units.parseNanos("k", "2s"));
        assertEquals(800, Units.parseNanos("k", "800"));
        assertEquals(800, Units.parseNanos("k", "800ns"));
        for (String bad : new String[] {"", "us", "-1us", "fast", "1h", "1.2.3ms"}) {
            TeraioException e = assertThrows(TeraioException.class, () -> Units.parseNanos("--ssd-latency", bad));
            assertEquals("--ssd-latency: '" + bad + "' is not a duration; use a number with ns, us, ms or s,"
                    + " such as 20us or 1.5ms", e.getMessage());
        }
    }
}
