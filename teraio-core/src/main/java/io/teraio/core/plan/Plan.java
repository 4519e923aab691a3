package io.teraio.core.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.TeraioException;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.internal.json.JsonFields;
import io.teraio.core.internal.json.JsonFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An offload plan for one trace and one hardware profile ({@code plan.json}, format version
 * 1, docs/plan-format.md).
 *
 * @param traceSha256      {@link TraceDigest} of the trace it was made for
 * @param opsPerIteration  ops in one steady-state iteration of that trace
 * @param hardware         the hardware it was made for
 * @param policy           the policy that made it
 * @param entries          the migrations, in issue order
 * @param predicted        the simulator's prediction, or {@code null} if not simulated
 */
public record Plan(String traceSha256, int opsPerIteration, HardwareProfile hardware, String policy,
                   List<PlanEntry> entries, Prediction predicted) {
    public static final String FORMAT = "teraio-plan";
    public static final int VERSION = 1;

    public Plan {
        Objects.requireNonNull(traceSha256, "traceSha256");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(policy, "policy");
        entries = List.copyOf(entries);
    }

    /** The same plan with a prediction. */
    public Plan withPrediction(Prediction prediction) {
        return new Plan(traceSha256, opsPerIteration, hardware, policy, entries, prediction);
    }

    /** This plan as a JSON object. */
    public ObjectNode toJson() {
        return (ObjectNode) JsonFiles.tree(this::writeJson);
    }

    /** Writes this plan as a JSON object (the content of a plan file). */
    public void writeJson(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("format", FORMAT);
        json.writeNumberField("version", VERSION);
        json.writeObjectFieldStart("trace");
        json.writeStringField("sha256", traceSha256);
        json.writeNumberField("opsPerIteration", opsPerIteration);
        json.writeEndObject();
        json.writeFieldName("hardware");
        hardware.writeJson(json);
        json.writeStringField("policy", policy);
        json.writeArrayFieldStart("entries");
        for (PlanEntry e : entries) {
            writeEntry(json, e, -1);
        }
        json.writeEndArray();
        if (predicted != null) {
            json.writeFieldName("predicted");
            writePrediction(json, predicted, -1);
        }
        json.writeEndObject();
    }

    /** Writes one entry, with its {@code device} first unless {@code device} is negative (version 1). */
    static void writeEntry(JsonGenerator json, PlanEntry e, int device) throws IOException {
        json.writeStartObject();
        if (device >= 0) {
            json.writeNumberField("device", device);
        }
        json.writeNumberField("tensor", e.tensor());
        json.writeStringField("key", e.key());
        json.writeStringField("action", e.action().jsonName());
        json.writeStringField("target", e.target().jsonName());
        if (e.target() == PlanTarget.SSD) {
            json.writeNumberField("ssd", e.ssd());
        }
        json.writeNumberField("issueAtOp", e.issueAtOp());
        json.writeNumberField("deadlineOp", e.deadlineOp());
        json.writeBooleanField("urgent", e.urgent());
        json.writeEndObject();
    }

    /** Writes a prediction object, with its {@code device} first unless {@code device} is negative. */
    static void writePrediction(JsonGenerator json, Prediction predicted, int device) throws IOException {
        json.writeStartObject();
        if (device >= 0) {
            json.writeNumberField("device", device);
        }
        json.writeNumberField("iterationNs", predicted.iterationNs());
        json.writeNumberField("idealNs", predicted.idealNs());
        json.writeNumberField("stallNs", predicted.stallNs());
        json.writeNumberField("peakDeviceBytes", predicted.peakDeviceBytes());
        json.writeNumberField("bytesToSsd", predicted.bytesToSsd());
        json.writeNumberField("bytesFromSsd", predicted.bytesFromSsd());
        json.writeNumberField("bytesToHost", predicted.bytesToHost());
        json.writeNumberField("bytesFromHost", predicted.bytesFromHost());
        json.writeEndObject();
    }

    /**
     * A plan from its JSON object; checks the keys and their types, not the entries against
     * a trace (that is the planner's {@code PlanValidator}).
     *
     * @throws TeraioException naming {@code origin} and the JSON pointer of what is wrong
     */
    public static Plan fromJson(JsonNode root, Object origin) {
        JsonFields f = new JsonFields(origin);
        f.object(root, "");
        if (FORMAT.equals(root.path("format").asText(null)) && root.path("version").asInt() == JobPlan.VERSION) {
            throw f.error("/version", "a plan for several devices (version " + JobPlan.VERSION + "); this reads one"
                    + " device's plan (version " + VERSION + ")");
        }
        f.header(root, FORMAT, VERSION);
        JsonNode trace = f.object(root.get("trace"), "/trace");
        String sha = f.string(trace, "/trace", "sha256");
        int ops = f.intValue(trace, "/trace", "opsPerIteration");
        if (!root.hasNonNull("hardware")) {
            throw f.error("", "missing required key \"hardware\"");
        }
        HardwareProfile hardware = HardwareProfile.fromJson(root.get("hardware"), origin, "/hardware");
        String policy = f.string(root, "", "policy");
        JsonNode list = f.array(root, "", "entries");
        List<PlanEntry> entries = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            entries.add(readEntry(f, list.get(i), "/entries/" + i));
        }
        Prediction predicted = null;
        if (root.hasNonNull("predicted")) {
            predicted = readPrediction(f, root.get("predicted"), "/predicted");
        }
        return new Plan(sha, ops, hardware, policy.toLowerCase(Locale.ROOT), entries, predicted);
    }

    /** One entry at {@code p} (its {@code device}, if any, is the caller's). */
    static PlanEntry readEntry(JsonFields f, JsonNode node, String p) {
        JsonNode e = f.object(node, p);
        PlanAction action = switch (f.string(e, p, "action")) {
            case "offload" -> PlanAction.OFFLOAD;
            case "prefetch" -> PlanAction.PREFETCH;
            default -> throw f.error(p + "/action", "must be \"offload\" or \"prefetch\", found " + e.get("action"));
        };
        PlanTarget target = switch (f.string(e, p, "target")) {
            case "ssd" -> PlanTarget.SSD;
            case "host" -> PlanTarget.HOST;
            default -> throw f.error(p + "/target", "must be \"ssd\" or \"host\", found " + e.get("target"));
        };
        int ssd = target == PlanTarget.SSD ? f.intValue(e, p, "ssd") : -1;
        return new PlanEntry(f.intValue(e, p, "tensor"), f.string(e, p, "key"), action, target, ssd,
                f.intValue(e, p, "issueAtOp"), f.intValue(e, p, "deadlineOp"), f.bool(e, p, "urgent"));
    }

    /** A prediction object at {@code p}. */
    static Prediction readPrediction(JsonFields f, JsonNode node, String p) {
        JsonNode pr = f.object(node, p);
        return new Prediction(f.longValue(pr, p, "iterationNs"), f.longValue(pr, p, "idealNs"),
                f.longValue(pr, p, "stallNs"), f.longValue(pr, p, "peakDeviceBytes"),
                f.longValue(pr, p, "bytesToSsd"), f.longValue(pr, p, "bytesFromSsd"),
                f.longValue(pr, p, "bytesToHost"), f.longValue(pr, p, "bytesFromHost"));
    }

    /** Reads a plan file ({@code .json} or {@code .json.gz}). */
    public static Plan read(Path file) {
        return fromJson(JsonFiles.read(file), file);
    }

    /**
     * Reads a plan from a stream, plain or gzip compressed, to its end; {@code sourceName} stands
     * for the file name in error messages.
     */
    public static Plan read(InputStream in, String sourceName) {
        return fromJson(JsonFiles.read(in, sourceName), sourceName);
    }

    /** Writes this plan atomically ({@code .gz} names are compressed). */
    public void write(Path file) {
        JsonFiles.write(this::writeJson, file);
    }
}
