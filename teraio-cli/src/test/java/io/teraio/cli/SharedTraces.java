package io.teraio.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real traces in {@code ../shared/traces-data} (property {@code teraio.traces.dir}); tests skip without them. */
public final class SharedTraces {
    private SharedTraces() {
    }

    public static Path file(String relative) {
        Path file = path(relative);
        assumeTrue(Files.isRegularFile(file), "real trace " + file.toAbsolutePath().normalize()
                + " is absent (set -Dteraio.traces.dir to the shared traces-data directory)");
        return file;
    }

    /** Where the real trace would be, whether it is there or not. */
    public static Path path(String relative) {
        return Path.of(System.getProperty("teraio.traces.dir", "../../shared/traces-data")).resolve(relative);
    }
}
