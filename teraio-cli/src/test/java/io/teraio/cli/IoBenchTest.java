package io.teraio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.FaultyBackend;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.storage.DeviceMemory;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.StorageException;
import io.teraio.probe.IoBench;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What {@code bench-io}, {@code probe} and {@code doctor --probe} say when the storage fails
 * under them: a {@link StorageException} (exit code 3 in {@link Main}) that says what was done
 * before, never a usage error or an internal one.
 */
class IoBenchTest {
    private static final long MIB = 1L << 20;

    @Test
    void aFailedReadStopsTheBenchWithWhatWasDoneBeforeIt() {
        StorageException e = assertThrows(StorageException.class,
                () -> writeThenRead("bench-io", ssd -> ssd.readErrors.set(FaultyBackend.PERSISTENT)));
        assertTrue(e.getMessage().startsWith("bench-io: stopped in the read of block 0 of 16 by a storage failure: read of"),
                e.getMessage());
        assertTrue(e.getMessage().contains("EIO") && e.getMessage().endsWith("; before it: 16.00 MiB of 16.00 MiB written,"
                + " 0 B read (16 and 0 blocks of 1.00 MiB)"), e.getMessage());
        assertEquals(Main.EXIT_DATA, Main.failed(e, false, new PrintWriter(new StringWriter())));
    }

    @Test
    void blocksReadBackWrongAreADataFailure() {
        StorageException e = assertThrows(StorageException.class,
                () -> writeThenRead("bench-io", ssd -> ssd.bitFlips.set(FaultyBackend.PERSISTENT)));
        assertEquals("bench-io: 16 of 16 blocks read back different from what was written; 16.00 MiB of 16.00 MiB"
                + " written, 16.00 MiB read (16 and 16 blocks of 1.00 MiB)", e.getMessage());
        assertEquals(Main.EXIT_DATA, Main.failed(e, false, new PrintWriter(new StringWriter())));
    }

    @Test
    void aFailureSaysWhichCommandMeasured() {
        StorageException e = assertThrows(StorageException.class,
                () -> writeThenRead("probe", ssd -> ssd.readErrors.set(FaultyBackend.PERSISTENT)));
        assertTrue(e.getMessage().startsWith("probe: stopped in the read of block 0"), e.getMessage());
    }

    /** Writes 16 MiB in 1 MiB blocks at queue depth 1, then breaks the SSD with {@code fault} and reads it back. */
    private static void writeThenRead(String command, Consumer<FaultyBackend> fault) {
        FaultyBackend ssd = new FaultyBackend(new HostStorageBackend(64 * MIB));
        TeraioConfig config = TeraioConfig.resolve(Map.of("io.taskSize", "1m", "io.queueDepth", "1", "io.threads", "1",
                "verify", "false"), Map.of(), Map.of());
        try (IoEngine io = new IoEngine(List.of(ssd), null, config); DeviceMemory memory = new HostDeviceMemory(4 * MIB);
             IoBench bench = new IoBench(command, io, memory, 16 * MIB, MIB, 1, 0,
                     Progress.to(new PrintWriter(new StringWriter()), false))) {
            bench.write();
            fault.accept(ssd);
            bench.read();
        }
    }
}
