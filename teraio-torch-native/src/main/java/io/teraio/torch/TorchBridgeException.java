package io.teraio.torch;

import io.teraio.core.TeraioException;

/** A bridge call refused or failed: the message names the operation, the array or storage, and why. */
public final class TorchBridgeException extends TeraioException {
    private static final long serialVersionUID = 1L;

    public TorchBridgeException(String message) {
        super(message);
    }
}
