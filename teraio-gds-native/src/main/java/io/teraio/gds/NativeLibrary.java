package io.teraio.gds;

import io.teraio.core.storage.Availability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads the GDS shim once: from the path in system property {@code teraio.gds.nativeLibrary}
 * when set, else from this jar ({@code native/linux-x86_64/libteraio_gds.so}, copied to a
 * temporary file deleted at exit), else with {@code System.loadLibrary("teraio_gds")}; then
 * checks its ABI version. The shim needs no CUDA, so this fails only on another platform or a
 * broken build, with the reason.
 */
final class NativeLibrary {
    /** The system property naming the shim to load instead of the jar's. */
    static final String PROPERTY = "teraio.gds.nativeLibrary";
    static final String RESOURCE = "/native/linux-x86_64/libteraio_gds.so";

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
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            System.load(Path.of(explicit).toAbsolutePath().toString());
            return explicit + " (" + PROPERTY + ")";
        }
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        boolean linuxX64 = os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        try (InputStream in = linuxX64 ? NativeLibrary.class.getResourceAsStream(RESOURCE) : null) {
            if (in != null) {
                Path tmp = Files.createTempFile("libteraio_gds-", ".so");
                tmp.toFile().deleteOnExit();
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                System.load(tmp.toString());
                return "the jar (" + RESOURCE + ")";
            }
        }
        System.loadLibrary("teraio_gds");
        return "java.library.path";
    }
}
