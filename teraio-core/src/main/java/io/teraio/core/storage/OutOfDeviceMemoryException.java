package io.teraio.core.storage;

import io.teraio.core.TeraioException;

/** {@link DeviceMemory} could not give the bytes asked for: more than the capacity, or not in time. */
public class OutOfDeviceMemoryException extends TeraioException {
    private static final long serialVersionUID = 1L;

    public OutOfDeviceMemoryException(String message) {
        super(message);
    }
}
