package io.teraio.core.storage;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child JVM of {@link RunDirectoryCrashIT}: opens a run directory under {@code args[0]},
 * writes a file in it, prints the directory's path on a line of its own and sleeps until killed.
 */
public final class RunDirectoryCrashChild {
    private RunDirectoryCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        RunDirectory run = RunDirectory.create(Path.of(args[0]));
        Files.writeString(run.newFile("ssd0.data"), "bytes a crash leaves behind");
        System.out.println(run.path());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
