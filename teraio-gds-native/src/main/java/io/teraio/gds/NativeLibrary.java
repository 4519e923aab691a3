package io.teraio.gds;

import io.teraio.core.internal.storage.NativeLibraries;
import io.teraio.core.storage.Availability;
import java.io.IOException;

/**
 * Loads the GDS shim once through {@link NativeLibraries}: from the path in system property
 * {@code teraio.gds.nativeLibrary} when set, else from this jar
 * ({@code native/linux-x86_64/libteraio_gds.so}), else from {@code java.library.path}; then
 * checks its ABI version. The shim needs no CUDA, so this fails only on another platform or a
 * broken build, with the reason.
 */
final class NativeLibrary {
    /** The system property naming the shim to load instead of the jar's. */
    static final String PROPERTY = "teraio.gds.nativeLibrary";

    private static final Availability STATE = load();

    private NativeLibrary() {
    }

    /** Whether the shim is loaded, with where from, or why not. */
    static Availability state() {
        return STATE;
    }

    private static Availability load() {
        String where;
        try {
            where = loadFrom();
        } catch (LinkageError | IOException | SecurityException e) {
            return Availability.no("the teraio GDS shim (libteraio_gds.so) could not be loaded: " + e.getMessage());
        }
        int abi;
        try {
            abi = CuFileNative.abiVersion0();
        } catch (LinkageError e) {
            return Availability.no("the teraio GDS shim loaded from " + where + " lacks its functions: " + e);
        }
        if (abi != CuFileNative.ABI_VERSION) {
            return Availability.no("the teraio GDS shim loaded from " + where + " has ABI version " + abi
                    + ", this jar needs " + CuFileNative.ABI_VERSION + " (a shim from another build)");
        }
        return Availability.yes("teraio GDS shim from " + where);
    }

    private static String loadFrom() throws IOException {
        return NativeLibraries.load(NativeLibrary.class, "teraio_gds", PROPERTY);
    }
}
