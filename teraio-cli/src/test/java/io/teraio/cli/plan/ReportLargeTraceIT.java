package io.teraio.cli.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A report of a 250k-op iteration (the size of a Llama3-70B step split into kernels), planned
 * in process on the TERAIO paper's hardware by the runnable jar in a 1 GiB heap: the page stays
 * far under 10 MB, and Chromium draws it within seconds.
 */
class ReportLargeTraceIT {
    static final long MAX_PAGE_BYTES = 10L << 20;
    static Path html;
    static long reportMillis;

    @BeforeAll
    static void writeReport(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("llama3-70b.json.gz");
        jar(dir, "synth", "--preset", "llama3-70b", "--kernels", "250000", "-o", trace.toString());
        Files.createDirectories(ReportBrowserIT.OUT);
        html = ReportBrowserIT.OUT.resolve("large.html");
        long start = System.nanoTime();
        jar(dir, "report", trace.toString(), "--hardware", "teraio-paper", "-o", html.toString());
        reportMillis = (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aReportOf250kOpsStaysSmall() throws Exception {
        long bytes = Files.size(html);
        assertTrue(bytes < MAX_PAGE_BYTES, html + " is " + bytes + " bytes");
        JsonNode data = ReportPages.data(html);
        assertTrue(data.get("planned").asBoolean());
        assertTrue(data.get("memory").get("t").size() <= io.teraio.cli.report.ReportData.POINTS);
        System.out.printf("report of 250k ops: %,d bytes, written in %,d ms (child JVM, plan and simulation included)%n",
                bytes, reportMillis);
    }

    @Test
    void chromiumDrawsItQuickly(@TempDir Path profile) throws Exception {
        Path chromium = ReportBrowserIT.chromium();
        try (Chromium browser = new Chromium(chromium, profile)) {
            browser.viewport(ReportBrowserIT.WIDTH, 900);
            long start = System.nanoTime();
            browser.open(html);
            ReportBrowserIT.awaitDrawn(browser);
            long drawnMillis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("report of 250k ops: loaded and drawn by Chromium in %,d ms%n", drawnMillis);
            assertTrue(drawnMillis < Duration.ofSeconds(10).toMillis(), "drawn after " + drawnMillis + " ms");
            assertEquals(4, ReportBrowserIT.count(browser, "svg[data-chart=bandwidth] path.series"));
            assertEquals(List.of(), browser.errors(), "console errors");
        }
    }

    private static void jar(Path dir, String... args) throws Exception {
        String jar = System.getProperty("teraio.cli.jar");
        assertTrue(jar != null && new File(jar).isFile(), "the runnable jar is not built: " + jar);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", jar));
        command.addAll(List.of(args));
        Path stderr = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), String.join(" ", args) + " did not finish in 180 s");
        assertEquals(0, p.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
    }
}
