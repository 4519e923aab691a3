package io.teraio.demo;

import io.teraio.core.TeraioException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The folders a demo writes to: its work folder and its offload directory. */
final class WorkFolder {
    private WorkFolder() {
    }

    /**
     * Creates {@code dir} and its parents if they do not exist.
     *
     * @throws TeraioException naming the directory and why it cannot be created
     */
    static void create(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TeraioException(dir + ": cannot create the output directory: " + e.getMessage(), e);
        }
    }
}
