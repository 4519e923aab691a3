package io.teraio.core.trace;

import static io.teraio.core.trace.TraceFixtures.EXAMPLE_JSON;
import static io.teraio.core.trace.TraceFixtures.edit;
import static io.teraio.core.trace.TraceFixtures.gzip;
import static io.teraio.core.trace.TraceFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of malformed trace gets a message naming the file, the place and the problem.
 * The documents are {@link TraceFixtures#EXAMPLE_JSON} with one thing broken; in it the
 * iteration is on line 6, tensors 0 and 1 on lines 9 and 10, and ops 0 to 2 on lines 13
 * to 15, each starting in column 5.
 */
class TraceReaderErrorTest {
    private static final String OP_1 = "{\"index\": 1, \"name\": \"relu\", \"durationNs\": 500, \"uses\": [1], \"allocs\": [], \"frees\": []}";
    private static final String OP_2 = "{\"index\": 2, \"name\": \"sum\", \"durationNs\": 200, \"uses\": [1], \"allocs\": [], \"frees\": [1]}";
    private static final String ITERATIONS = "[\n    {\"index\": 0, \"firstOp\": 0, \"opCount\": 3}\n  ]";

    /** The message reading {@code document} as {@code trace.json} fails with. */
    private static String failure(String document) {
        return assertThrows(TraceFormatException.class, () -> TraceReader.read(utf8(document), "trace.json"))
                .getMessage();
    }

    /** {@code document} with op {@code index} (1 or 2 of the example) given these id lists. */
    private static String withOp(String document, int index, String uses, String allocs, String frees) {
        String op = index == 1 ? OP_1 : OP_2;
        return edit(document, op, op.replaceFirst("\"uses\": .*", "\"uses\": " + uses + ", \"allocs\": " + allocs
                + ", \"frees\": " + frees + "}"));
    }

    private static String withIterations(String iterations) {
        return edit(EXAMPLE_JSON, ITERATIONS, iterations);
    }

    @Nested
    class NotATrace {
        @Test
        void emptyFile() {
            assertEquals("trace.json: empty file", failure(""));
            assertEquals("trace.json: empty file", failure(" \n\n"));
        }

        @Test
        void notJson() {
            String message = failure("format: teraio-trace\n");
            assertTrue(message.startsWith("trace.json:1:1: not valid JSON: Unrecognized token 'format'"), message);
        }

        @Test
        void syntaxErrorSaysWhereAndInWhichElement() {
            String message = failure(edit(EXAMPLE_JSON, "\"name\": \"relu\",", "\"name\": \"relu\""));
            assertTrue(message.startsWith("trace.json:14:33: /ops/1/name: not valid JSON: Unexpected character ('\"'"),
                    message);
        }

        @Test
        void mismatchedBracketNamesWhereTheArrayStarted() {
            assertEquals("trace.json:13:69: /ops/0/uses/1: not valid JSON: Unexpected close marker '}': "
                            + "expected ']' (for Array starting at 13:64)",
                    failure(edit(EXAMPLE_JSON, "\"uses\": [0, 1]", "\"uses\": [0, 1}")));
        }

        @Test
        void truncatedFile() {
            String document = EXAMPLE_JSON.substring(0, EXAMPLE_JSON.indexOf("\"relu\""));
            assertEquals("trace.json:14:26: /ops/1/name: truncated: the input ends in the middle of the trace",
                    failure(document));
        }

        @Test
        void truncatedGzip() {
            byte[] bytes = gzip(EXAMPLE_JSON);
            byte[] half = Arrays.copyOf(bytes, bytes.length / 2);
            TraceFormatException e = assertThrows(TraceFormatException.class,
                    () -> TraceReader.read(new ByteArrayInputStream(half), "trace.json.gz"));
            assertEquals("trace.json.gz: truncated or corrupt gzip data (Unexpected end of ZLIB input stream)",
                    e.getMessage());
        }

        @Test
        void corruptGzip() {
            byte[] bytes = gzip(EXAMPLE_JSON);
            bytes[bytes.length - 8] ^= 0x55; // the CRC of the uncompressed data
            TraceFormatException e = assertThrows(TraceFormatException.class,
                    () -> TraceReader.read(new ByteArrayInputStream(bytes), "trace.json.gz"));
            assertEquals("trace.json.gz: truncated or corrupt gzip data (Corrupt GZIP trailer)", e.getMessage());
        }

        @Test
        void topLevelNotAnObject() {
            assertEquals("trace.json:1:1: /: not a teraio trace: the top level must be a JSON object, found an array",
                    failure("[{\"format\": \"teraio-trace\"}]"));
        }

        @Test
        void wrongFormat() {
            assertEquals("trace.json:2:13: /format: not a teraio trace: format must be \"teraio-trace\", found \"teraio-plan\"",
                    failure(edit(EXAMPLE_JSON, "\"teraio-trace\"", "\"teraio-plan\"")));
        }

        @Test
        void unsupportedVersion() {
            assertEquals("trace.json:3:14: /version: unsupported trace version 2; this teraio reads version 1",
                    failure(edit(EXAMPLE_JSON, "\"version\": 1", "\"version\": 2")));
        }

        @Test
        void contentAfterTheTrace() {
            assertEquals("trace.json:18:1: unexpected content after the end of the trace object",
                    failure(EXAMPLE_JSON + "{}\n"));
        }
    }

    @Nested
    class Structure {
        @Test
        void missingTopLevelKey() {
            String document = EXAMPLE_JSON.replaceFirst("  \"source\": .*\n", "");
            assertEquals("trace.json:1:1: /: missing required key \"source\"", failure(document));
        }

        @Test
        void missingKeyInAnElement() {
            assertEquals("trace.json:10:5: /tensors/1: missing required key \"bytes\"",
                    failure(edit(EXAMPLE_JSON, "\"bytes\": 8192, ", "")));
        }

        @Test
        void duplicateKey() {
            assertEquals("trace.json:10:58: /tensors/1/bytes: duplicate key \"bytes\"",
                    failure(edit(EXAMPLE_JSON, "\"bytes\": 8192,", "\"bytes\": 8192, \"bytes\": 1,")));
        }

        @Test
        void wrongType() {
            assertEquals("trace.json:10:43: /tensors/1/bytes: bytes must be an integer, found a string",
                    failure(edit(EXAMPLE_JSON, "\"bytes\": 8192", "\"bytes\": \"8192\"")));
            assertEquals("trace.json:10:107: /tensors/1/offloadable: offloadable must be true or false, found a string",
                    failure(edit(EXAMPLE_JSON, "\"offloadable\": true, \"device\": 0}\n  ]",
                            "\"offloadable\": \"yes\", \"device\": 0}\n  ]")));
            assertEquals("trace.json:13:64: /ops/0/uses: uses must be an array of tensor ids, found an integer",
                    failure(edit(EXAMPLE_JSON, "\"uses\": [0, 1]", "\"uses\": 0")));
            assertEquals("trace.json:4:13: /source: source must be an object, found a string",
                    failure(EXAMPLE_JSON.replaceFirst("\"source\": .*\n", "\"source\": \"agent\",\n")));
        }

        @Test
        void wrongTypeInsideAnIdArray() {
            assertEquals("trace.json:14:65: /ops/1/uses/1: uses entry must be an integer, found a string",
                    failure(edit(EXAMPLE_JSON, "\"uses\": [1], \"allocs\": [], \"frees\": []",
                            "\"uses\": [1, \"x\"], \"allocs\": [], \"frees\": []")));
        }

        @Test
        void fractionWhereAnIntegerBelongs() {
            assertEquals("trace.json:14:48: /ops/1/durationNs: durationNs must be an integer, found the number 1.5",
                    failure(edit(EXAMPLE_JSON, "\"durationNs\": 500", "\"durationNs\": 1.5")));
        }

        @Test
        void numberTooLarge() {
            assertEquals("trace.json:10:12: /tensors/1/id: id is out of range: 3000000000 does not fit in 32 bits",
                    failure(edit(EXAMPLE_JSON, "\"id\": 1,", "\"id\": 3000000000,")));
        }

        @Test
        void elementNotAnObject() {
            assertEquals("trace.json:6:5: /iterations/0: each iteration must be an object, found an integer",
                    failure(withIterations("[\n    0\n  ]")));
        }

        @Test
        void unknownKind() {
            assertEquals("trace.json:9:62: /tensors/0/kind: unknown kind \"weights\"; kind must be one of "
                            + "parameter, gradient, optimizer_state, activation, workspace, other",
                    failure(edit(EXAMPLE_JSON, "\"parameter\"", "\"weights\"")));
        }
    }

    @Nested
    class Values {
        @Test
        void bytesNotPositive() {
            assertEquals("trace.json:10:5: /tensors/1/bytes: tensor 1 (op0.out0) has bytes 0; bytes must be positive",
                    failure(edit(EXAMPLE_JSON, "\"bytes\": 8192", "\"bytes\": 0")));
            assertEquals("trace.json:10:5: /tensors/1/bytes: tensor 1 (op0.out0) has bytes -8192; bytes must be positive",
                    failure(edit(EXAMPLE_JSON, "\"bytes\": 8192", "\"bytes\": -8192")));
        }

        @Test
        void negativeDuration() {
            assertEquals("trace.json:14:5: /ops/1/durationNs: op 1 (relu) has durationNs -500; durations must not be negative",
                    failure(edit(EXAMPLE_JSON, "\"durationNs\": 500", "\"durationNs\": -500")));
        }

        @Test
        void negativeTensorId() {
            assertEquals("trace.json:9:5: /tensors/0/id: tensor id must not be negative, found -1",
                    failure(edit(EXAMPLE_JSON, "\"id\": 0,", "\"id\": -1,")));
        }

        @Test
        void duplicateTensorIdSaysWhereTheFirstIs() {
            assertEquals("trace.json:10:5: /tensors/1/id: duplicate tensor id 0; the first tensor with this id is /tensors/0 at 9:5",
                    failure(edit(EXAMPLE_JSON, "\"id\": 1,", "\"id\": 0,")));
        }

        @Test
        void opIndexNotItsPosition() {
            assertEquals("trace.json:14:5: /ops/1/index: the op at position 1 has index 5; op indices must count up from 0 in order",
                    failure(edit(EXAMPLE_JSON, "\"index\": 1,", "\"index\": 5,")));
        }

        @Test
        void unknownTensors() {
            assertEquals("trace.json:14:5: /ops/1/uses/1: op 1 (relu) uses unknown tensor 99",
                    failure(withOp(EXAMPLE_JSON, 1, "[1, 99]", "[]", "[]")));
            assertEquals("trace.json:14:5: /ops/1/allocs/0: op 1 (relu) allocates unknown tensor 99",
                    failure(withOp(EXAMPLE_JSON, 1, "[1]", "[99]", "[]")));
            assertEquals("trace.json:14:5: /ops/1/frees/0: op 1 (relu) frees unknown tensor -3",
                    failure(withOp(EXAMPLE_JSON, 1, "[1]", "[]", "[-3]")));
        }

        @Test
        void noOps() {
            String document = EXAMPLE_JSON.replaceFirst("(?s)\"ops\": \\[.*\\]", "\"ops\": []");
            assertEquals("trace.json:12:10: /ops: a trace needs at least one op", failure(document));
        }
    }

    @Nested
    class Iterations {
        @Test
        void noIterations() {
            assertEquals("trace.json:5:17: /iterations: a trace needs at least one iteration",
                    failure(withIterations("[]")));
        }

        @Test
        void indexNotItsPosition() {
            assertEquals("trace.json:6:5: /iterations/0/index: the iteration at position 0 has index 1; "
                            + "iteration indices must count up from 0 in order",
                    failure(withIterations("[\n    {\"index\": 1, \"firstOp\": 0, \"opCount\": 3}\n  ]")));
        }

        @Test
        void firstDoesNotStartAtOpZero() {
            assertEquals("trace.json:6:5: /iterations/0/firstOp: iteration 0 starts at op 1 but the first iteration must start at op 0",
                    failure(withIterations("[\n    {\"index\": 0, \"firstOp\": 1, \"opCount\": 2}\n  ]")));
        }

        @Test
        void gapBetweenIterations() {
            assertEquals("trace.json:7:5: /iterations/1/firstOp: iteration 1 starts at op 2 but iteration 0 ends with op 0; "
                            + "iterations must cover the ops in order, without gaps or overlaps",
                    failure(withIterations("[\n    {\"index\": 0, \"firstOp\": 0, \"opCount\": 1},\n"
                            + "    {\"index\": 1, \"firstOp\": 2, \"opCount\": 1}\n  ]")));
        }

        @Test
        void emptyIteration() {
            assertEquals("trace.json:6:5: /iterations/0/opCount: iteration 0 has opCount 0; every iteration needs at least one op",
                    failure(withIterations("[\n    {\"index\": 0, \"firstOp\": 0, \"opCount\": 0}\n  ]")));
        }

        @Test
        void iterationBeyondTheOps() {
            assertEquals("trace.json:6:5: /iterations/0/opCount: iteration 0 covers ops 0 to 2147483646 but the trace has only 3 ops",
                    failure(withIterations("[\n    {\"index\": 0, \"firstOp\": 0, \"opCount\": 2147483647}\n  ]")));
        }

        @Test
        void opsLeftOver() {
            assertEquals("trace.json:6:5: /iterations/0/opCount: the last iteration ends with op 1 but the trace has 3 ops; "
                            + "the iterations must cover every op",
                    failure(withIterations("[\n    {\"index\": 0, \"firstOp\": 0, \"opCount\": 2}\n  ]")));
        }
    }

    @Nested
    class Lifetimes {
        @Test
        void persistentTensorAllocated() {
            assertEquals("trace.json:14:5: /ops/1/allocs/0: op 1 (relu) allocates persistent tensor 0 (layer0.weight); "
                            + "a persistent tensor is live for the whole trace, so no op allocates or frees it",
                    failure(withOp(EXAMPLE_JSON, 1, "[0]", "[0]", "[]")));
        }

        @Test
        void persistentTensorFreed() {
            assertEquals("trace.json:14:5: /ops/1/frees/0: op 1 (relu) frees persistent tensor 0 (layer0.weight); "
                            + "a persistent tensor is live for the whole trace, so no op allocates or frees it",
                    failure(withOp(EXAMPLE_JSON, 1, "[0]", "[]", "[0]")));
        }

        @Test
        void allocatedTwice() {
            assertEquals("trace.json:14:5: /ops/1/allocs/0: op 1 (relu) allocates tensor 1 (op0.out0) again, "
                            + "after op 0 (linear) allocated it; use a new tensor id per allocation",
                    failure(withOp(EXAMPLE_JSON, 1, "[1]", "[1]", "[]")));
        }

        @Test
        void allocatedAgainAfterBeingFreed() {
            String document = withOp(withOp(EXAMPLE_JSON, 1, "[1]", "[]", "[1]"), 2, "[1]", "[1]", "[]");
            assertEquals("trace.json:15:5: /ops/2/allocs/0: op 2 (sum) allocates tensor 1 (op0.out0) again, "
                            + "after op 1 (relu) freed it; use a new tensor id per allocation",
                    failure(document));
        }

        @Test
        void freedTwice() {
            assertEquals("trace.json:15:5: /ops/2/frees/0: op 2 (sum) frees tensor 1 (op0.out0) again, after op 1 (relu) freed it",
                    failure(withOp(EXAMPLE_JSON, 1, "[1]", "[]", "[1]")));
        }

        @Test
        void freedBeforeAllocated() {
            String document = edit(EXAMPLE_JSON, "\"allocs\": [1], \"frees\": []", "\"allocs\": [], \"frees\": [1]");
            document = withOp(document, 2, "[]", "[1]", "[]");
            assertEquals("trace.json:13:5: /ops/0/frees/0: op 0 (linear) frees tensor 1 (op0.out0) before op 2 (sum) allocates it",
                    failure(document));
        }

        @Test
        void usedBeforeAllocated() {
            String document = edit(EXAMPLE_JSON, "\"allocs\": [1], \"frees\": []", "\"allocs\": [], \"frees\": []");
            document = withOp(document, 1, "[1]", "[1]", "[]");
            assertEquals("trace.json:13:5: /ops/0/uses/1: op 0 (linear) uses tensor 1 (op0.out0) before op 1 (relu) allocates it",
                    failure(document));
        }

        @Test
        void usedAfterFreed() {
            String document = withOp(withOp(EXAMPLE_JSON, 1, "[1]", "[]", "[1]"), 2, "[1]", "[]", "[]");
            assertEquals("trace.json:15:5: /ops/2/uses/0: op 2 (sum) uses tensor 1 (op0.out0) after op 1 (relu) freed it",
                    failure(document));
        }
    }

    @Nested
    class FileProblems {
        @TempDir
        Path dir;

        @Test
        void missingFile() {
            Path file = dir.resolve("trace.json");
            TeraioException e = assertThrows(TeraioException.class, () -> TraceReader.read(file));
            assertEquals(file + ": no such file", e.getMessage());
        }

        @Test
        void directory() {
            TeraioException e = assertThrows(TeraioException.class, () -> TraceReader.read(dir));
            assertEquals(dir + ": cannot read: is a directory", e.getMessage());
        }

        @Test
        void unreadableFile() throws IOException {
            Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                    "root reads files whatever their permissions");
            Path file = dir.resolve("trace.json");
            Files.writeString(file, EXAMPLE_JSON);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
            TeraioException e = assertThrows(TeraioException.class, () -> TraceReader.read(file));
            assertEquals(file + ": cannot read: Permission denied", e.getMessage());
        }

        @Test
        void formatErrorsNameThePath() throws IOException {
            Path file = dir.resolve("trace.json");
            Files.writeString(file, edit(EXAMPLE_JSON, "\"bytes\": 8192", "\"bytes\": 0"));
            TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceReader.read(file));
            assertEquals(file + ":10:5: /tensors/1/bytes: tensor 1 (op0.out0) has bytes 0; bytes must be positive",
                    e.getMessage());
            assertEquals(file.toString(), e.file());
            assertEquals("10:5", e.location());
            assertEquals("/tensors/1/bytes", e.pointer());
        }
    }
}
