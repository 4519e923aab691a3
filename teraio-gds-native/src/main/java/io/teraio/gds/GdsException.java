package io.teraio.gds;

import io.teraio.core.TeraioException;

/**
 * A cuFile call that failed: the message names the operation, its inputs, and the code with
 * its name and meaning ({@code cuFileDriverOpen failed with code 5010
 * (CU_FILE_NVFS_DRIVER_ERROR: the nvidia-fs kernel driver is not loaded or failed)}).
 */
public class GdsException extends TeraioException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public GdsException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The cuFile {@code CUfileOpError} (5001 and up) or errno. */
    public int code() {
        return code;
    }
}
