package io.teraio.core.internal.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads a JNI library that a teraio jar carries at {@code native/linux-x86_64/lib<name>.so}:
 * from the path in a system property when it is set, else from the jar (copied to a temporary
 * file deleted at exit), else with {@code System.loadLibrary(name)}. The one loader of teraio's
 * own native code (the POSIX calls here, the GDS shim).
 */
public final class NativeLibraries {
    private NativeLibraries() {
    }

    /**
     * Loads {@code lib<name>.so}.
     *
     * @param owner    the class whose jar carries it
     * @param property the system property that names a file to load instead
     * @return where it was loaded from, to print
     * @throws IOException     when it cannot be copied out of the jar
     * @throws LinkageError    when it cannot be loaded (another platform, a broken build)
     */
    public static String load(Class<?> owner, String name, String property) throws IOException {
        String explicit = System.getProperty(property);
        if (explicit != null && !explicit.isBlank()) {
            System.load(Path.of(explicit).toAbsolutePath().toString());
            return explicit + " (" + property + ")";
        }
        String resource = "/native/linux-x86_64/lib" + name + ".so";
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        boolean linuxX64 = os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        try (InputStream in = linuxX64 ? owner.getResourceAsStream(resource) : null) {
            if (in != null) {
                Path tmp = Files.createTempFile("lib" + name + "-", ".so");
                tmp.toFile().deleteOnExit();
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                System.load(tmp.toString());
                return "the jar (" + resource + ")";
            }
        }
        System.loadLibrary(name);
        return "java.library.path";
    }
}
