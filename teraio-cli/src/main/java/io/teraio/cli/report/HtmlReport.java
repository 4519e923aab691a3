package io.teraio.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.TeraioException;
import io.teraio.core.internal.json.JsonFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a report as one self-contained HTML file: the data as inline JSON, the style and
 * the script that draws the charts as inline SVG ({@code report.css}, {@code report.js} next
 * to this class). Nothing is loaded from elsewhere, so the file works offline and can be
 * mailed around.
 *
 * <p>When the script has drawn every chart it sets {@code data-report="drawn"} on the
 * {@code <html>} element (or {@code data-report="failed"} with the error in
 * {@code data-report-error}); the browser test waits for it.
 */
public final class HtmlReport {
    private HtmlReport() {
    }

    /** The report as an HTML document. */
    public static String render(ReportInput input) {
        ObjectNode data = ReportData.of(input);
        String json;
        try {
            json = JsonFiles.mapper().writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("report: the data does not serialize: " + e.getMessage(), e);
        }
        // '<' only occurs inside JSON strings, where \u003c means the same; so no "</script>" can end the block.
        json = json.replace("<", "\\u003c");
        StringBuilder html = new StringBuilder(json.length() + 32_768);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>teraio report: ").append(escape(input.title())).append("</title>\n")
                .append("<style>\n").append(resource("report.css")).append("</style>\n</head>\n<body>\n")
                .append("<main id=\"report\"><h1>teraio report: ").append(escape(input.title())).append("</h1>\n")
                .append("<noscript>This report draws its charts with JavaScript; enable it to see them.</noscript>\n")
                .append("</main>\n<div id=\"tooltip\" role=\"tooltip\" hidden></div>\n")
                .append("<script type=\"application/json\" id=\"report-data\">").append(json).append("</script>\n")
                .append("<script>\n").append(resource("report.js")).append("</script>\n</body>\n</html>\n");
        return html.toString();
    }

    /**
     * Writes the report to {@code file}.
     *
     * @return the bytes written
     * @throws TeraioException if the file cannot be written
     */
    public static long write(ReportInput input, Path file) {
        byte[] bytes = render(input).getBytes(StandardCharsets.UTF_8);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new TeraioException("report: cannot write " + file + ": " + e, e);
        }
        return bytes.length;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("report: " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("report: cannot read " + name + " from the jar: " + e, e);
        }
    }
}
