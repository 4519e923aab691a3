package io.teraio.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.config.TeraioConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every agent key has its row, with its default, in docs/configuration.md and docs/agent.md. */
class AgentDocsTest {
    @Test
    void everyAgentKeyIsDocumented() throws Exception {
        for (String doc : new String[] {"../docs/configuration.md", "../docs/agent.md"}) {
            String text = Files.readString(Path.of(doc));
            for (TeraioConfig.Key key : AgentOptions.KEYS) {
                String cell = key.defaultValue() == null ? "| `" + key.name() + "` | (" : "| `" + key.name() + "` | `"
                        + key.defaultValue() + "` |";
                assertTrue(text.contains(cell), doc + " lacks the row of " + key.name() + " (" + cell + ")");
            }
        }
    }
}
