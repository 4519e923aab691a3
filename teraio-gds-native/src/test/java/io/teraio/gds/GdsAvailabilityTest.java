package io.teraio.gds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.teraio.core.storage.Availability;
import io.teraio.core.storage.StorageException;
import io.teraio.core.storage.Errno;
import org.junit.jupiter.api.Test;

/**
 * The shim loads from the jar on any Linux x86-64 machine; without cuFile, GDS is unavailable
 * with the precise cause; codes decode into messages with their names and meanings.
 */
class GdsAvailabilityTest {
    @Test
    void theShimLoadsFromTheJarWithTheRightAbi() {
        Availability shim = Gds.shim();
        assertTrue(shim.available(), shim.reason());
        assertTrue(shim.reason().startsWith("teraio GDS shim from "), shim.reason());
        assertEquals(CuFileNative.ABI_VERSION, CuFileNative.abiVersion0());
    }

    @Test
    void withoutCuFileTheCauseNamesTheLibraryAndTheLoadersMessage() {
        assumeFalse(Gds.isAvailable(), "cuFile is available here: " + Gds.availability().reason());
        String cause = Gds.unavailabilityCause();
        assertNotNull(cause);
        assertFalse(Gds.hasBatch());
        if (cause.startsWith("no cuFile library: ")) {
            // this machine: no libcufile anywhere the loader looks
            assertTrue(cause.contains("libcufile.so.0"), cause);
            assertTrue(cause.contains("cannot open shared object file") || cause.contains("No such file"), cause);
        } else {
            // a machine with libcufile but no usable driver
            assertTrue(cause.startsWith("cuFileDriverOpen ("), cause);
            assertTrue(cause.matches(".*failed with code 50\\d\\d \\(CU_FILE_[A-Z_]+: .*"), cause);
        }
    }

    @Test
    void cuFileCallsFailFastWhenItIsUnavailable() {
        assumeFalse(Gds.isAvailable(), "cuFile is available here");
        GdsException e = assertThrows(GdsException.class,
                () -> new CuFileHandle(java.nio.file.Path.of("/tmp/x")));
        assertEquals("cuFile is not available: " + Gds.unavailabilityCause(), e.getMessage());
        assertThrows(GdsException.class, () -> new GdsBatch(4));
    }

    @Test
    void codesDecodeWithNameAndMeaning() {
        assertEquals("5010 (CU_FILE_NVFS_DRIVER_ERROR: the nvidia-fs kernel driver is not loaded or failed)",
                GdsErrors.describe(5010));
        assertEquals("28 (ENOSPC: no space left on device)", GdsErrors.describe(28));
        long packed = (5011L << 32) | 100;
        assertEquals("5011 (CU_FILE_CUDA_DRIVER_ERROR: the CUDA driver failed (no GPU, or no driver)), CUDA driver"
                + " result 100", GdsErrors.describePacked(packed));
        GdsException e = assertThrows(GdsException.class, () -> GdsErrors.check(packed, "cuFileDriverOpen"));
        assertEquals(5011, e.code());
        GdsErrors.check(0, "a call that worked");
    }

    @Test
    void hotPathCodesBecomeStorageExceptionsNamingFileOffsetAndCode() {
        StorageException full = assertThrows(StorageException.class,
                () -> GdsErrors.bytes(-28, 4096, "cuFileWrite", "/nvme0/ssd0.data", 8192));
        assertEquals("cuFileWrite of 4096 bytes at offset 8192 of /nvme0/ssd0.data failed with code 28 (ENOSPC: no"
                + " space left on device)", full.getMessage());
        assertEquals(Errno.ENOSPC, full.errno());
        assertEquals(8192, full.offset());
        StorageException cufile = assertThrows(StorageException.class,
                () -> GdsErrors.bytes(-5012, 4096, "cuFileRead", "/nvme0/ssd0.data", 0));
        assertTrue(cufile.getMessage().endsWith("failed with code 5012 (CU_FILE_CUDA_POINTER_INVALID: the buffer is"
                + " not valid CUDA memory), as EIO"), cufile.getMessage());
        assertEquals(Errno.EIO, cufile.errno());
        StorageException shortRead = assertThrows(StorageException.class,
                () -> GdsErrors.bytes(100, 4096, "cuFileRead", "/f", 0));
        assertTrue(shortRead.getMessage().contains("moved only 100 bytes"), shortRead.getMessage());
        assertEquals(4096, GdsErrors.bytes(4096, 4096, "cuFileRead", "/f", 0));
    }

    @Test
    void theShimChecksIoArgumentsItself() {
        assertEquals(0, CuFileNative.checkIo0(4096, 0, 0));
        assertEquals(-22, CuFileNative.checkIo0(0, 0, 0));
        assertEquals(-22, CuFileNative.checkIo0(4096, -1, 0));
        assertEquals(-22, CuFileNative.checkIo0(1L << 31, 0, 0));
        // the hot path refuses before touching cuFile, loaded or not
        assertTrue(CuFileNative.read0(0, 0, 4096, 0, 0) < 0);
        assertTrue(CuFileNative.write0(1, 1, -1, 0, 0) < 0);
        assertNull(Gds.isAvailable() ? null : CuFileNative.loadedPath0());
    }
}
