package io.teraio.torch;

import io.teraio.core.storage.Availability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads the bridge library once DJL's PyTorch engine is loaded: from the path in
 * {@link TorchBridge#LIBRARY_PROPERTY} when set, else from this jar
 * ({@code native/linux-x86_64/libteraio_torch.so}, copied to a temporary file deleted at
 * exit); then checks its ABI version and runs the {@link SelfCheck}.
 */
final class NativeLibrary {
    static final String RESOURCE = "/native/linux-x86_64/libteraio_torch.so";

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
        return Availability.yes("libteraio_torch.so from " + where + ", self-check passed on libtorch " + engine);
    }

    private static String loadFrom() throws IOException {
        String explicit = System.getProperty(TorchBridge.LIBRARY_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            System.load(Path.of(explicit).toAbsolutePath().toString());
            return explicit + " (" + TorchBridge.LIBRARY_PROPERTY + ")";
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IOException("the bridge is built for Linux x86-64 only, this is " + os + " " + arch);
        }
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("this jar has no " + RESOURCE + " (built without the native step?)");
            }
            Path tmp = Files.createTempFile("libteraio_torch-", ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            System.load(tmp.toString());
            return "the jar (" + RESOURCE + ")";
        }
    }
}
