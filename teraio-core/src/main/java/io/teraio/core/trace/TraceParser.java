package io.teraio.core.trace;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonParser.NumberType;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Streams one trace out of a {@link JsonParser}, token by token. It checks the structure:
 * required keys, JSON types, number ranges, {@code format}, {@code version} and
 * {@code kind}; keys may come in any order and unknown keys are skipped. The rules that
 * relate values to each other are {@link TraceValidator}'s, which it calls at the end.
 */
final class TraceParser {
    private static final String[] ROOT_KEYS = {"format", "version", "source", "iterations", "tensors", "ops"};
    private static final String[] SOURCE_KEYS = {"tool", "framework", "model", "device"};
    private static final String[] ITERATION_KEYS = {"index", "firstOp", "opCount"};
    private static final String[] TENSOR_KEYS = {"id", "key", "bytes", "kind", "persistent", "offloadable", "device"};
    private static final String[] OP_KEYS = {"index", "name", "durationNs", "uses", "allocs", "frees"};
    private static final String KIND_NAMES = Arrays.stream(TensorKind.values())
            .map(TensorKind::jsonName).collect(Collectors.joining(", "));
    private static final int[] NO_IDS = new int[0];

    private final JsonParser json;
    private final String file;
    private final SourceLocations locations = new SourceLocations();
    /** Op names seen so far, so that 250k ops named {@code linear} share one string. */
    private final Map<String, String> opNames = new HashMap<>();
    /** Reused for every id array; each array is copied out once, at its size. */
    private int[] ids = new int[64];

    TraceParser(JsonParser json, String file) {
        this.json = json;
        this.file = file;
    }

    /** Reads the one JSON value the input holds and returns it as a validated trace. */
    Trace parse() throws IOException {
        JsonToken token = json.nextToken();
        if (token == null) {
            throw new TraceFormatException(file, null, null, "empty file");
        }
        long start = here();
        if (token != JsonToken.START_OBJECT) {
            throw error(start, "", "not a teraio trace: the top level must be a JSON object, found " + describe(token));
        }
        locations.root(start);
        TraceSource source = null;
        List<Iteration> iterations = null;
        List<Tensor> tensors = null;
        List<Op> ops = null;
        int seen = 0;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String key = json.currentName();
            json.nextToken();
            seen = markSeen(seen, ROOT_KEYS, key);
            switch (key) {
                case "format" -> checkFormat();
                case "version" -> checkVersion();
                case "source" -> source = source();
                case "iterations" -> iterations = iterations();
                case "tensors" -> tensors = tensors();
                case "ops" -> ops = ops();
                default -> json.skipChildren();
            }
        }
        requireKeys(seen, ROOT_KEYS, start);
        if (json.nextToken() != null) {
            throw error(here(), null, "unexpected content after the end of the trace object");
        }
        Trace trace = new Trace(source, iterations, tensors, ops);
        TraceValidator.validate(trace, file, locations);
        return trace;
    }

    private void checkFormat() throws IOException {
        String format = string("format");
        if (!Trace.FORMAT.equals(format)) {
            throw errorHere("not a teraio trace: format must be \"" + Trace.FORMAT + "\", found \"" + format + "\"");
        }
    }

    private void checkVersion() throws IOException {
        int version = intValue("version");
        if (version != Trace.VERSION) {
            throw errorHere("unsupported trace version " + version + "; this teraio reads version " + Trace.VERSION);
        }
    }

    private TraceSource source() throws IOException {
        requireStart(JsonToken.START_OBJECT, "source must be an object");
        String tool = null;
        String framework = null;
        String model = null;
        String device = null;
        int seen = 0;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String key = json.currentName();
            json.nextToken();
            seen = markSeen(seen, SOURCE_KEYS, key);
            switch (key) {
                case "tool" -> tool = optionalString(key);
                case "framework" -> framework = optionalString(key);
                case "model" -> model = optionalString(key);
                case "device" -> device = optionalString(key);
                default -> json.skipChildren();
            }
        }
        return new TraceSource(tool, framework, model, device);
    }

    private List<Iteration> iterations() throws IOException {
        requireStart(JsonToken.START_ARRAY, "iterations must be an array");
        locations.iterations().start(here());
        List<Iteration> iterations = new ArrayList<>();
        while (json.nextToken() != JsonToken.END_ARRAY) {
            long start = startElement("iteration");
            locations.iterations().element(start);
            int index = 0;
            int firstOp = 0;
            int opCount = 0;
            int seen = 0;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String key = json.currentName();
                json.nextToken();
                seen = markSeen(seen, ITERATION_KEYS, key);
                switch (key) {
                    case "index" -> index = intValue(key);
                    case "firstOp" -> firstOp = intValue(key);
                    case "opCount" -> opCount = intValue(key);
                    default -> json.skipChildren();
                }
            }
            requireKeys(seen, ITERATION_KEYS, start);
            iterations.add(new Iteration(index, firstOp, opCount));
        }
        return iterations;
    }

    private List<Tensor> tensors() throws IOException {
        requireStart(JsonToken.START_ARRAY, "tensors must be an array");
        locations.tensors().start(here());
        List<Tensor> tensors = new ArrayList<>();
        while (json.nextToken() != JsonToken.END_ARRAY) {
            long start = startElement("tensor");
            locations.tensors().element(start);
            int id = 0;
            String key = null;
            long bytes = 0;
            TensorKind kind = null;
            boolean persistent = false;
            boolean offloadable = false;
            int device = 0;
            int seen = 0;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String name = json.currentName();
                json.nextToken();
                seen = markSeen(seen, TENSOR_KEYS, name);
                switch (name) {
                    case "id" -> id = intValue(name);
                    case "key" -> key = string(name);
                    case "bytes" -> bytes = longValue(name);
                    case "kind" -> kind = kind();
                    case "persistent" -> persistent = booleanValue(name);
                    case "offloadable" -> offloadable = booleanValue(name);
                    case "device" -> device = intValue(name);
                    default -> json.skipChildren();
                }
            }
            requireKeys(seen, TENSOR_KEYS, start);
            tensors.add(new Tensor(id, key, bytes, kind, persistent, offloadable, device));
        }
        return tensors;
    }

    private List<Op> ops() throws IOException {
        requireStart(JsonToken.START_ARRAY, "ops must be an array");
        locations.ops().start(here());
        List<Op> ops = new ArrayList<>();
        while (json.nextToken() != JsonToken.END_ARRAY) {
            long start = startElement("op");
            locations.ops().element(start);
            int index = 0;
            String name = null;
            long durationNs = 0;
            int[] uses = null;
            int[] allocs = null;
            int[] frees = null;
            int seen = 0;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String key = json.currentName();
                json.nextToken();
                seen = markSeen(seen, OP_KEYS, key);
                switch (key) {
                    case "index" -> index = intValue(key);
                    case "name" -> name = opNames.computeIfAbsent(string(key), n -> n);
                    case "durationNs" -> durationNs = longValue(key);
                    case "uses" -> uses = ids(key);
                    case "allocs" -> allocs = ids(key);
                    case "frees" -> frees = ids(key);
                    default -> json.skipChildren();
                }
            }
            requireKeys(seen, OP_KEYS, start);
            ops.add(new Op(index, name, durationNs, uses, allocs, frees));
        }
        return ops;
    }

    /** The current token opens one element of a top-level array; returns where it starts. */
    private long startElement(String what) throws IOException {
        requireStart(JsonToken.START_OBJECT, "each " + what + " must be an object");
        return here();
    }

    private TensorKind kind() throws IOException {
        String name = string("kind");
        TensorKind kind = TensorKind.fromJsonName(name);
        if (kind == null) {
            throw errorHere("unknown kind \"" + name + "\"; kind must be one of " + KIND_NAMES);
        }
        return kind;
    }

    /** An array of tensor ids, such as {@code uses}. */
    private int[] ids(String key) throws IOException {
        requireStart(JsonToken.START_ARRAY, key + " must be an array of tensor ids");
        int count = 0;
        while (json.nextToken() != JsonToken.END_ARRAY) {
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, count * 2);
            }
            ids[count++] = intValue(key + " entry");
        }
        return count == 0 ? NO_IDS : Arrays.copyOf(ids, count);
    }

    private String string(String key) throws IOException {
        if (json.currentToken() != JsonToken.VALUE_STRING) {
            throw typeError(key + " must be a string");
        }
        return json.getText();
    }

    private String optionalString(String key) throws IOException {
        return json.currentToken() == JsonToken.VALUE_NULL ? null : string(key);
    }

    private boolean booleanValue(String key) throws IOException {
        JsonToken token = json.currentToken();
        if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
            throw typeError(key + " must be true or false");
        }
        return token == JsonToken.VALUE_TRUE;
    }

    private int intValue(String key) throws IOException {
        if (json.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw typeError(key + " must be an integer");
        }
        if (json.getNumberType() != NumberType.INT) {
            throw errorHere(key + " is out of range: " + json.getText() + " does not fit in 32 bits");
        }
        return json.getIntValue();
    }

    private long longValue(String key) throws IOException {
        if (json.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw typeError(key + " must be an integer");
        }
        if (json.getNumberType() == NumberType.BIG_INTEGER) {
            throw errorHere(key + " is out of range: " + json.getText() + " does not fit in 64 bits");
        }
        return json.getLongValue();
    }

    private void requireStart(JsonToken expected, String rule) throws IOException {
        if (json.currentToken() != expected) {
            throw typeError(rule);
        }
    }

    /** Marks {@code key} as seen in an object with these known keys; a known key seen twice is an error. */
    private int markSeen(int seen, String[] knownKeys, String key) throws IOException {
        for (int i = 0; i < knownKeys.length; i++) {
            if (knownKeys[i].equals(key)) {
                if ((seen & (1 << i)) != 0) {
                    throw errorHere("duplicate key \"" + key + "\"");
                }
                return seen | (1 << i);
            }
        }
        return seen;
    }

    /** Called at the end of an object that started at {@code start}. */
    private void requireKeys(int seen, String[] requiredKeys, long start) {
        for (int i = 0; i < requiredKeys.length; i++) {
            if ((seen & (1 << i)) == 0) {
                throw error(start, pointer(), "missing required key \"" + requiredKeys[i] + "\"");
            }
        }
    }

    private TraceFormatException typeError(String rule) throws IOException {
        return errorHere(rule + ", found " + describe(json.currentToken()));
    }

    private String describe(JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "the number " + json.getText();
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.asString();
        };
    }

    private TraceFormatException errorHere(String problem) {
        return error(here(), pointer(), problem);
    }

    private TraceFormatException error(long at, String pointer, String problem) {
        return new TraceFormatException(file, SourceLocations.format(at), pointer, problem);
    }

    private long here() {
        return SourceLocations.pack(json.currentTokenLocation());
    }

    /** The JSON pointer of the current value, or of the object just closed. */
    private String pointer() {
        return json.getParsingContext().pathAsPointer().toString();
    }
}
