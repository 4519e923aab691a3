package io.teraio.cli.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads back the data a report page carries. */
final class ReportPages {
    private static final String OPEN = "<script type=\"application/json\" id=\"report-data\">";

    private ReportPages() {
    }

    /** The JSON in the page's {@code report-data} block. */
    static JsonNode data(Path html) throws IOException {
        String page = Files.readString(html, StandardCharsets.UTF_8);
        int from = page.indexOf(OPEN);
        if (from < 0) {
            throw new AssertionError(html + " has no report-data block");
        }
        from += OPEN.length();
        int to = page.indexOf("</script>", from);
        return new ObjectMapper().readTree(page.substring(from, to));
    }
}
