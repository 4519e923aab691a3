package io.teraio.core.internal.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.core.TeraioException;

/**
 * Typed access to the fields of a JSON object read by {@link JsonFiles}, with errors that
 * name the file and the JSON pointer: {@code plan.json: /entries/3/tensor: must be an integer}.
 */
public final class JsonFields {
    private final String file;

    public JsonFields(Object file) {
        this.file = String.valueOf(file);
    }

    public TeraioException error(String pointer, String problem) {
        return new TeraioException(file + ": " + (pointer.isEmpty() ? "/" : pointer) + ": " + problem);
    }

    public JsonNode object(JsonNode parent, String pointer) {
        if (parent == null || !parent.isObject()) {
            throw error(pointer, "must be a JSON object");
        }
        return parent;
    }

    private JsonNode field(JsonNode object, String pointer, String key) {
        JsonNode value = object.get(key);
        if (value == null || value.isNull()) {
            throw error(pointer, "missing required key \"" + key + "\"");
        }
        return value;
    }

    public String string(JsonNode object, String pointer, String key) {
        JsonNode value = field(object, pointer, key);
        if (!value.isTextual()) {
            throw error(pointer + "/" + key, "must be a string");
        }
        return value.asText();
    }

    public long longValue(JsonNode object, String pointer, String key) {
        JsonNode value = field(object, pointer, key);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw error(pointer + "/" + key, "must be an integer, found " + value);
        }
        return value.asLong();
    }

    public int intValue(JsonNode object, String pointer, String key) {
        JsonNode value = field(object, pointer, key);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw error(pointer + "/" + key, "must be an integer, found " + value);
        }
        return value.asInt();
    }

    public double number(JsonNode object, String pointer, String key) {
        JsonNode value = field(object, pointer, key);
        if (!value.isNumber()) {
            throw error(pointer + "/" + key, "must be a number, found " + value);
        }
        return value.asDouble();
    }

    public boolean bool(JsonNode object, String pointer, String key) {
        JsonNode value = field(object, pointer, key);
        if (!value.isBoolean()) {
            throw error(pointer + "/" + key, "must be true or false, found " + value);
        }
        return value.asBoolean();
    }

    public JsonNode array(JsonNode object, String pointer, String key) {
        JsonNode value = field(object, pointer, key);
        if (!value.isArray()) {
            throw error(pointer + "/" + key, "must be an array");
        }
        return value;
    }

    /** Checks {@code format} and {@code version} of a document. */
    public void header(JsonNode root, String format, int version) {
        object(root, "");
        String found = root.path("format").asText(null);
        if (!format.equals(found)) {
            throw error("/format", "not a " + format + " document (format is " + (found == null ? "absent" : "\"" + found + "\"") + ")");
        }
        int v = intValue(root, "", "version");
        if (v != version) {
            throw error("/version", "unsupported " + format + " version " + v + "; this teraio reads version " + version);
        }
    }
}
