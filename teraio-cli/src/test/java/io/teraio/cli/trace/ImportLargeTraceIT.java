package io.teraio.cli.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.cli.SharedTraces;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The 24 MB GPT-2-large execution trace imports with the runnable jar in a JVM capped at 1 GiB of heap. */
class ImportLargeTraceIT {
    @TempDir
    Path dir;

    @Test
    void importsGpt2LargeIn1GiB() throws Exception {
        Path et = SharedTraces.file("param/hf_GPT2_et.json.tar.gz");
        String jar = System.getProperty("teraio.cli.jar");
        assertTrue(jar != null && new File(jar).isFile(), "the runnable jar is not built: " + jar);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("gpt2.json.gz");
        Path log = dir.resolve("log.txt");
        Process p = new ProcessBuilder(List.of(java, "-Xmx1g", "-jar", jar, "import", "--from", "pytorch-et",
                et.toString(), "-o", out.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "import did not finish in 300 s");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        System.out.println(output);

        Trace trace = TraceReader.read(out);
        assertTrue(trace.tensors().size() > 1000, trace.tensors().size() + " tensors");
    }
}
