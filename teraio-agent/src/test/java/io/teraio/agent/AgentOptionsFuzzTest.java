package io.teraio.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.teraio.core.FuzzChecks;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the agent's argument parser {@link AgentOptions#parse} (Jazzer):
 * any string after {@code -javaagent:teraio-agent.jar=} gives options or a one-line
 * {@link io.teraio.core.TeraioException}. {@code ./mvnw verify} replays the inputs in
 * {@code AgentOptionsFuzzTestInputs/}; {@code scripts/fuzz.sh} fuzzes for real (docs/fuzzing.md).
 */
class AgentOptionsFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void parsesOrSaysInOneLineWhatIsWrong(byte[] input) throws Exception {
        FuzzChecks.acceptsOrRejectsInOneLine(() -> AgentOptions.parse(new String(input, StandardCharsets.UTF_8)));
    }

    @Test
    void theSeedsAreValidArguments() throws Exception {
        for (String name : new String[] {"seed-auto", "seed-offload", "seed-profile"}) {
            try (InputStream seed = getClass().getResourceAsStream(
                    "AgentOptionsFuzzTestInputs/parsesOrSaysInOneLineWhatIsWrong/" + name)) {
                String args = new String(seed.readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(name.substring("seed-".length()), AgentOptions.parse(args).mode().argName(), args);
            }
        }
    }
}
