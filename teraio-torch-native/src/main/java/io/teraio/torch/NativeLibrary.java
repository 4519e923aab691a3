package io.teraio.torch;

import io.teraio.core.internal.storage.NativeLibraries;
import io.teraio.core.storage.Availability;
import java.io.IOException;

/**
 * Loads the bridge library once DJL's PyTorch engine is loaded, through {@link NativeLibraries}:
 * from the path in {@link TorchBridge#LIBRARY_PROPERTY} when set, else from this jar
 * ({@code native/linux-x86_64/libteraio_torch.so}); then checks its ABI version and runs the
 * {@link SelfCheck}.
 */
final class NativeLibrary {
    private NativeLibrary() {
    }

    static Availability load(TorchBridge bridge) {
        String engine;
        try {
            // loads libc10 and libtorch_cpu, which the library links by their sonames
            engine = TorchBridge.engineVersion();
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("DJL's PyTorch engine could not be loaded: " + e);
        }
        String where;
        try {
            where = loadFrom();
        } catch (LinkageError | IOException | SecurityException e) {
            return Availability.no("libteraio_torch.so could not be loaded: " + e.getMessage());
        }
        int abi;
        try {
            abi = TorchNative.abiVersion0();
        } catch (LinkageError e) {
            return Availability.no("libteraio_torch.so from " + where + " lacks its functions: " + e);
        }
        if (abi != TorchNative.ABI_VERSION) {
            return Availability.no("libteraio_torch.so from " + where + " has ABI version " + abi + ", this jar needs "
                    + TorchNative.ABI_VERSION + " (a library from another build)");
        }
        String failed = SelfCheck.run(bridge, Boolean.getBoolean(TorchBridge.BREAK_SELF_CHECK_PROPERTY));
        if (failed != null) {
            return Availability.no("self-check against libtorch " + engine + " failed: " + failed);
        }
        bridge.versionsUntracked = SelfCheck.versions(bridge);
        return Availability.yes("libteraio_torch.so from " + where + ", self-check passed on libtorch " + engine);
    }

    private static String loadFrom() throws IOException {
        return NativeLibraries.load(NativeLibrary.class, "teraio_torch", TorchBridge.LIBRARY_PROPERTY);
    }
}
