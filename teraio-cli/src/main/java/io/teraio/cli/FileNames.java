package io.teraio.cli;

import java.nio.file.Path;

/** Names of the files a command writes several of from one {@code -o}. */
public final class FileNames {
    private FileNames() {
    }

    /**
     * {@code file} with {@code suffix} before its extension: {@code job.json.gz} and
     * {@code -stage2} give {@code job-stage2.json.gz}, {@code report.html} and {@code -device1}
     * {@code report-device1.html} (the extension starts at {@code .json} if present, else at
     * the last dot).
     */
    public static Path withSuffix(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.indexOf(".json");
        if (dot <= 0) {
            dot = name.lastIndexOf('.');
        }
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        return file.resolveSibling(stem + suffix + ext);
    }
}
