package io.teraio.gds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Loading in child JVMs. The shim: from the path system property {@code teraio.gds.nativeLibrary}
 * names, else from the jar (here: the classes folder), and a path that does not load is the
 * cause. A libcufile whose driver will not open (a fake built by the test phase, failing
 * {@code cuFileDriverOpen} with the code its environment names), loaded in a child JVM through
 * each of the ways to name it: the cause names the library, the code, its name and meaning.
 */
class GdsFakeCufileIT {
    private static final Path FAKE = Path.of(System.getProperty("teraio.gds.fakeCufile"));
    private static final Path SHIM = Path.of(System.getProperty("teraio.gds.builtShim"));
    private String shimLine;

    @Test
    void aDriverThatWillNotOpenIsTheCauseWithItsCode() throws Exception {
        String out = child(List.of("-Dteraio.gds.cufileLibrary=" + FAKE), Map.of("FAKE_CUFILE_DRIVER_OPEN_ERR",
                "5010"));
        assertTrue(out.startsWith("unavailable: cuFileDriverOpen (" + FAKE + ") failed with code 5010"
                + " (CU_FILE_NVFS_DRIVER_ERROR: the nvidia-fs kernel driver is not loaded or failed)"), out);
    }

    @Test
    void theEnvironmentVariableNamesTheLibraryToo() throws Exception {
        String out = child(List.of(), Map.of("TERAIO_GDS_CUFILE_LIBRARY", FAKE.toString(),
                "FAKE_CUFILE_DRIVER_OPEN_ERR", "5011", "FAKE_CUFILE_CU_ERR", "100"));
        assertTrue(out.startsWith("unavailable: cuFileDriverOpen (" + FAKE + ") failed with code 5011"
                + " (CU_FILE_CUDA_DRIVER_ERROR: the CUDA driver failed (no GPU, or no driver)), CUDA driver result 100"),
                out);
    }

    @Test
    void aLibraryThatIsNotCuFileIsNamedSo() throws Exception {
        Path notCufile = Path.of(System.getProperty("java.home"), "lib", "libzip.so");
        String out = child(List.of("-Dteraio.gds.cufileLibrary=" + notCufile), Map.of());
        assertEquals("unavailable: no cuFile library: " + notCufile + " (gds.cufileLibrary) could not be loaded: "
                + notCufile + " lacks the cuFile functions (cuFileDriverOpen, cuFileHandleRegister, cuFileRead,"
                + " cuFileWrite, ...): not a libcufile", out);
    }

    @Test
    void theShimLoadsFromThePathTheSystemPropertyNamesElseFromTheJar() throws Exception {
        child(List.of("-Dteraio.gds.nativeLibrary=" + SHIM), Map.of());
        assertEquals("shim loaded: teraio GDS shim from " + SHIM + " (teraio.gds.nativeLibrary)", shimLine);
        child(List.of(), Map.of());
        assertTrue(shimLine.startsWith("shim loaded: teraio GDS shim from "), shimLine);
        Path missing = SHIM.resolveSibling("libmissing.so");
        String gds = child(List.of("-Dteraio.gds.nativeLibrary=" + missing), Map.of());
        assertTrue(shimLine.startsWith("shim unavailable: the teraio GDS shim (libteraio_gds.so) could not be loaded: ")
                && shimLine.contains(missing.toString()), shimLine);
        assertEquals("unavailable: " + shimLine.substring("shim unavailable: ".length()), gds);
    }

    private String child(List<String> jvmArgs, Map<String, String> env) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FakeCufileChild.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("TERAIO_GDS_CUFILE_LIBRARY");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        assertTrue(Files.exists(FAKE), FAKE + " was not built");
        String[] lines = out.split("\n");
        assertEquals(2, lines.length, out);
        shimLine = lines[0];
        return lines[1];
    }
}
