package io.teraio.cli.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.cli.CliRunner;
import io.teraio.cli.report.ReportData;
import io.teraio.planner.policy.Policies;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser: headless Chromium (Debian's {@code chromium}, installed by
 * {@code .ci/run}) opens a report of a generated GPT-2-large training step planned for a 24 GiB
 * device, and the test checks that every chart drew its SVG elements, that hovering shows
 * values, that the screenshot has the charts' colours in it, and that the console has no
 * errors. It skips, saying why, where Chromium is absent.
 *
 * <p>The page and its screenshot stay in {@code target/report-browser/}; the README's
 * {@code docs/images/report.png} is that screenshot (docs/report.md says how to remake it).
 */
class ReportBrowserIT {
    static final Path OUT = Path.of("target", "report-browser");
    /** The page's width in CSS pixels (the screenshot is as wide). */
    static final int WIDTH = 1200;
    /** The colours report.js draws the offloaded spans and the resident line in. */
    private static final int OFFLOADED_RGB = 0xf0a030;
    private static final int RESIDENT_RGB = 0xe07b00;

    @TempDir
    Path profile;

    @Test
    void theReportDrawsItsChartsInChromium() throws Exception {
        Path chromium = chromium();
        Files.createDirectories(OUT);
        Path trace = OUT.resolve("gpt2-large.json.gz");
        CliRunner synth = CliRunner.run("synth", "--preset", "gpt2-large", "--batch", "8", "-o", trace.toString());
        assertEquals(0, synth.exitCode(), synth.err());
        Path html = OUT.resolve("report.html");
        CliRunner report = CliRunner.run("report", trace.toString(), "--gpu-mem", "24g", "--compare", "-o",
                html.toString());
        assertEquals(0, report.exitCode(), report.err());
        JsonNode data = ReportPages.data(html);
        int stalls = data.get("stalls").size();
        assertTrue(stalls > 0, "the plan has no stalls to mark");

        try (Chromium browser = new Chromium(chromium, profile)) {
            browser.viewport(WIDTH, 900);
            browser.open(html);
            awaitDrawn(browser);
            assertEquals(3, count(browser, "svg[data-chart=memory] path.series"));
            assertEquals(1, count(browser, "svg[data-chart=memory] line.capacity"));
            assertEquals(stalls, count(browser, "svg[data-chart=memory] rect.stall"));
            assertEquals(ReportData.TENSORS, count(browser, "svg[data-chart=tensors] rect.live"));
            assertTrue(count(browser, "svg[data-chart=tensors] rect.offloaded") > 0);
            assertTrue(count(browser, "svg[data-chart=tensors] rect.prefetching") > 0);
            assertTrue(count(browser, "svg[data-chart=tensors] rect.active") >= ReportData.TENSORS);
            assertEquals(4, count(browser, "svg[data-chart=bandwidth] path.series"));
            assertEquals(stalls, count(browser, "svg[data-chart=bandwidth] rect.stall"));
            assertEquals(Policies.names().size(), count(browser, "table.compare tbody tr"));
            // Every series path really goes somewhere (not "M0 0").
            assertTrue(browser.evaluate("Array.from(document.querySelectorAll('path.series'))"
                    + ".every(p => p.getTotalLength() > 100)").asBoolean(), "a series path is empty");

            // Hovering the memory chart reads its values out; hovering a span describes it.
            hover(browser, "svg[data-chart=memory]");
            String tip = browser.evaluate("document.getElementById('tooltip').hidden ? ''"
                    + " : document.getElementById('tooltip').textContent").asText();
            assertTrue(tip.startsWith("at ") && tip.contains("live: ") && tip.contains("resident: "), tip);
            hover(browser, "svg[data-chart=tensors] rect.offloaded");
            tip = browser.evaluate("document.getElementById('tooltip').textContent").asText();
            assertTrue(tip.contains("offloaded to ") && tip.contains(" from ") && tip.contains(" to "), tip);
            browser.mouseMove(2, 2);

            byte[] png = browser.screenshot(WIDTH);
            Files.write(OUT.resolve("report.png"), png);
            assertPainted(png);
            assertEquals(java.util.List.of(), browser.errors(), "console errors");
        }
    }

    static Path chromium() {
        var found = Chromium.find();
        assumeTrue(found.isPresent(), "Chromium is absent: install Debian's chromium (.ci/run does),"
                + " or give its path with -Dteraio.chromium=PATH");
        return found.get();
    }

    static void awaitDrawn(Chromium browser) throws Exception {
        browser.await("document.documentElement.hasAttribute('data-report')", Duration.ofSeconds(30));
        String state = browser.evaluate("document.documentElement.getAttribute('data-report')").asText();
        assertEquals("drawn", state, () -> {
            try {
                return "the script failed: " + browser.evaluate(
                        "document.documentElement.getAttribute('data-report-error')").asText() + "; " + browser.errors();
            } catch (IOException e) {
                return e.toString();
            }
        });
    }

    static int count(Chromium browser, String selector) throws IOException {
        return browser.evaluate("document.querySelectorAll('" + selector + "').length").asInt();
    }

    private static void hover(Chromium browser, String selector) throws Exception {
        JsonNode box = browser.evaluate("(() => { const r = document.querySelector('" + selector + "');"
                + " r.scrollIntoView({block: 'center'}); const b = r.getBoundingClientRect();"
                + " return {x: b.left + b.width / 2, y: b.top + b.height / 2}; })()");
        browser.mouseMove(box.get("x").asDouble(), box.get("y").asDouble());
        browser.await("!document.getElementById('tooltip').hidden", Duration.ofSeconds(5));
    }

    /** The screenshot is the page's width, not blank, and has the charts' colours in it. */
    private static void assertPainted(byte[] png) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(WIDTH, image.getWidth());
        assertTrue(image.getHeight() > 1500, "the page is only " + image.getHeight() + " px high");
        Set<Integer> colours = new HashSet<>();
        int offloaded = 0;
        int resident = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                offloaded += rgb == OFFLOADED_RGB ? 1 : 0;
                resident += rgb == RESIDENT_RGB ? 1 : 0;
            }
        }
        assertTrue(colours.size() > 50, "only " + colours.size() + " colours: blank?");
        assertTrue(offloaded > 1000, "only " + offloaded + " pixels of offloaded spans");
        assertTrue(resident > 100, "only " + resident + " pixels of the resident line");
    }
}
