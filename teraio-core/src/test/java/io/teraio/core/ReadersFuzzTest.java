package io.teraio.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.Plan;
import io.teraio.core.trace.TraceReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Coverage-guided fuzzing (Jazzer) of the readers of user files: the trace reader, the plan
 * reader and the hardware profile reader. Any bytes, plain or gzip, give a document or a
 * one-line {@link TeraioException} ({@link FuzzChecks}). {@code ./mvnw verify} replays the inputs
 * in {@code ReadersFuzzTestInputs/METHOD/} (seeds and every crash found so far, kept as
 * regression inputs); {@code scripts/fuzz.sh} fuzzes each for real (docs/fuzzing.md).
 */
class ReadersFuzzTest {
    /** Reads one document from a stream. */
    private interface Reader {
        Object read(InputStream in, String sourceName);
    }

    private static final Map<String, Reader> READERS = Map.of(
            "traceReader", TraceReader::read,
            "planReader", Plan::read,
            "hardwareReader", HardwareProfile::read);

    @FuzzTest(maxDuration = "10s")
    void traceReader(byte[] input) throws Exception {
        check("traceReader", input);
    }

    @FuzzTest(maxDuration = "10s")
    void planReader(byte[] input) throws Exception {
        check("planReader", input);
    }

    @FuzzTest(maxDuration = "10s")
    void hardwareReader(byte[] input) throws Exception {
        check("hardwareReader", input);
    }

    /** The seeds are valid documents, so that fuzzing starts from inputs that reach every check. */
    @ParameterizedTest
    @CsvSource({"traceReader, seed-trace.json", "planReader, seed-plan.json", "hardwareReader, seed-hardware.json"})
    void theSeedsAreValid(String reader, String seed) throws Exception {
        try (InputStream in = getClass().getResourceAsStream("ReadersFuzzTestInputs/" + reader + "/" + seed)) {
            assertDoesNotThrow(() -> READERS.get(reader).read(in, seed));
        }
    }

    private static void check(String reader, byte[] input) throws Exception {
        FuzzChecks.acceptsOrRejectsInOneLine(() -> READERS.get(reader).read(new ByteArrayInputStream(input),
                "fuzz-input"));
    }
}
