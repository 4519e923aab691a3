package io.teraio.gds;

import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import java.util.Map;

/**
 * Whether cuFile (GPUDirect Storage) can be used in this JVM, and why not. The first check
 * loads the shim, dlopens {@code libcufile.so.0} (the path in {@code gds.cufileLibrary}:
 * property {@code teraio.gds.cufileLibrary}, environment {@code TERAIO_GDS_CUFILE_LIBRARY};
 * else the system loader's search) and opens the cuFile driver,
 * which then stays open for the life of the JVM. The answer is kept: a JVM loads one
 * libcufile. Causes are precise: the shim could not be loaded; no library (with the loader's
 * message); {@code cuFileDriverOpen} failed with code N (its name and meaning), followed by
 * "no GPU" with the CUDA error when CUDA has no device either.
 */
public final class Gds {
    private static volatile Availability state;

    private Gds() {
    }

    /** Whether cuFile works here for the library this JVM's configuration names. */
    public static boolean isAvailable() {
        return availability().available();
    }

    /** Why cuFile cannot be used here, or {@code null} when it can. */
    public static String unavailabilityCause() {
        Availability a = availability();
        return a.available() ? null : a.reason();
    }

    /** The availability for the library this JVM's configuration names (properties and environment). */
    public static Availability availability() {
        return availability(TeraioConfig.resolve(Map.of()).cufileLibrary());
    }

    /**
     * The availability with {@code cufileLibrary} (a path, or empty for the system loader's
     * search) if this is the first check in this JVM; the kept answer otherwise (its reason
     * names the library it loaded).
     */
    public static synchronized Availability availability(String cufileLibrary) {
        if (state == null) {
            state = probe(cufileLibrary);
        }
        return state;
    }

    /** The shim's state alone: loaded (from where) or why not. */
    public static Availability shim() {
        return NativeLibrary.state();
    }

    /** Whether the loaded libcufile has the batch API ({@code cuFileBatchIOSetUp} and friends). */
    public static boolean hasBatch() {
        return isAvailable() && CuFileNative.hasBatch0();
    }

    /** Whether {@link #availability} has opened the driver: cuFile calls may be made. */
    static void checkAvailable() {
        Availability a = state;
        if (a == null || !a.available()) {
            throw new GdsException("cuFile is not available: " + (a == null ? "not checked yet" : a.reason()),
                    GdsErrors.CUFILE_ERROR_BASE + 1);
        }
    }

    private static Availability probe(String cufileLibrary) {
        Availability shim = NativeLibrary.state();
        if (!shim.available()) {
            return shim;
        }
        String explicit = cufileLibrary == null || cufileLibrary.isBlank() ? null : cufileLibrary;
        String where = explicit != null ? explicit + " (gds.cufileLibrary)"
                : "libcufile.so.0 through the system loader (gds.cufileLibrary is not set)";
        String loadError = CuFileNative.load0(explicit);
        if (loadError != null) {
            return Availability.no("no cuFile library: " + where + " could not be loaded: " + loadError);
        }
        String path = CuFileNative.loadedPath0();
        long open = CuFileNative.driverOpen0();
        if (open != 0) {
            Availability gpu = Cuda.availability(0);
            return Availability.no("cuFileDriverOpen (" + path + ") failed with code " + GdsErrors.describePacked(open)
                    + (gpu.available() ? "" : "; " + gpu.reason()));
        }
        int version = CuFileNative.version0();
        String v = version > 0 ? " " + version / 1000 + "." + version % 1000 / 10 : "";
        return Availability.yes("cuFile" + v + " from " + path + ", driver open" + (CuFileNative.hasBatch0()
                ? ", batch API" : ""));
    }
}
