package io.teraio.gds;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * CUDA memory registered with cuFile ({@code cuFileBufRegister}), so that reads and writes of
 * it go without cuFile's internal bounce buffers; deregistered on close (idempotent). The
 * memory must outlive the registration.
 */
public final class CuFileBuffer implements AutoCloseable {
    private final long address;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Registers {@code length} bytes at {@code address}.
     *
     * @throws GdsException naming the address, the length and the cuFile code
     */
    public CuFileBuffer(long address, long length) {
        Gds.checkAvailable();
        if (address == 0 || length <= 0) {
            throw new IllegalArgumentException("cuFileBufRegister: address 0x" + Long.toHexString(address)
                    + " and length " + length + " must be non-zero and positive");
        }
        GdsErrors.check(CuFileNative.bufRegister0(address, length, 0),
                "cuFileBufRegister of " + length + " bytes at 0x" + Long.toHexString(address));
        this.address = address;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            GdsErrors.check(CuFileNative.bufDeregister0(address), "cuFileBufDeregister of 0x"
                    + Long.toHexString(address));
        }
    }
}
