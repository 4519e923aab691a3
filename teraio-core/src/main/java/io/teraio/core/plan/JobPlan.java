package io.teraio.core.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.TeraioException;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.internal.json.JsonFields;
import io.teraio.core.internal.json.JsonFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The plans of every device of a job, in one file ({@code plan.json}, format version 2,
 * docs/plan-format.md): device {@code d} runs its own trace (a rank of a data- or
 * pipeline-parallel job) with {@code devices().get(d)}. A version 1 file reads as a job of one
 * device, device 0, and a job of one device is written as version 1.
 *
 * @param hardware  the hardware the job was planned for
 * @param policy    the policy that made the plans
 * @param devices   each device's plan, by device id; each has this hardware and policy, its own
 *                  trace digest and op count, and, when simulated, its device's prediction from
 *                  the devices replayed together
 * @param predicted the job's prediction (see {@link #jobPrediction}), or {@code null}
 */
public record JobPlan(HardwareProfile hardware, String policy, List<Plan> devices, Prediction predicted) {
    public static final int VERSION = 2;

    public JobPlan {
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(policy, "policy");
        devices = List.copyOf(devices);
        if (devices.isEmpty() || devices.size() > 1 && devices.size() != hardware.devices().size()) {
            throw new TeraioException("job plan: " + devices.size() + " device plans for a hardware profile with "
                    + hardware.devices().size() + " devices");
        }
        for (Plan p : devices) {
            if (!p.hardware().equals(hardware) || !p.policy().equals(policy)) {
                throw new TeraioException("job plan: every device's plan must have the job's hardware and policy");
            }
        }
    }

    /** The job of one device (device 0), as a version 1 file holds it. */
    public static JobPlan of(Plan plan) {
        return new JobPlan(plan.hardware(), plan.policy(), List.of(plan), plan.predicted());
    }

    /**
     * The job's prediction from its devices' (all non-null): the slowest device's iteration,
     * stall and op count aside, the longest ideal, the largest peak, and the bytes of all
     * devices summed.
     */
    public static Prediction jobPrediction(List<Prediction> devices) {
        Prediction slowest = devices.get(0);
        long ideal = 0;
        long peak = 0;
        long toSsd = 0;
        long fromSsd = 0;
        long toHost = 0;
        long fromHost = 0;
        for (Prediction p : devices) {
            if (p.iterationNs() > slowest.iterationNs()) {
                slowest = p;
            }
            ideal = Math.max(ideal, p.idealNs());
            peak = Math.max(peak, p.peakDeviceBytes());
            toSsd += p.bytesToSsd();
            fromSsd += p.bytesFromSsd();
            toHost += p.bytesToHost();
            fromHost += p.bytesFromHost();
        }
        return new Prediction(slowest.iterationNs(), ideal, slowest.stallNs(), peak, toSsd, fromSsd, toHost, fromHost);
    }

    /** This job plan as a JSON object. */
    public ObjectNode toJson() {
        return (ObjectNode) JsonFiles.tree(this::writeJson);
    }

    /** Writes the job as a JSON object: version 1 for one device, version 2 for several. */
    public void writeJson(JsonGenerator json) throws IOException {
        if (devices.size() == 1) {
            devices.get(0).writeJson(json);
            return;
        }
        json.writeStartObject();
        json.writeStringField("format", Plan.FORMAT);
        json.writeNumberField("version", VERSION);
        json.writeArrayFieldStart("traces");
        for (int d = 0; d < devices.size(); d++) {
            json.writeStartObject();
            json.writeNumberField("device", d);
            json.writeStringField("sha256", devices.get(d).traceSha256());
            json.writeNumberField("opsPerIteration", devices.get(d).opsPerIteration());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeFieldName("hardware");
        hardware.writeJson(json);
        json.writeStringField("policy", policy);
        json.writeArrayFieldStart("entries");
        for (int d = 0; d < devices.size(); d++) {
            for (PlanEntry e : devices.get(d).entries()) {
                Plan.writeEntry(json, e, d);
            }
        }
        json.writeEndArray();
        if (predicted != null) {
            json.writeFieldName("predicted");
            Plan.writePrediction(json, predicted, -1);
        }
        boolean perDevice = devices.stream().allMatch(p -> p.predicted() != null);
        if (perDevice) {
            json.writeArrayFieldStart("predictedDevices");
            for (int d = 0; d < devices.size(); d++) {
                Plan.writePrediction(json, devices.get(d).predicted(), d);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /**
     * A job plan from its JSON object, version 1 (one device) or 2; checks the keys, their types
     * and the device ids, not the entries against the traces (that is the planner's
     * {@code PlanValidator}).
     *
     * @throws TeraioException naming {@code origin} and the JSON pointer of what is wrong
     */
    public static JobPlan fromJson(JsonNode root, Object origin) {
        JsonFields f = new JsonFields(origin);
        f.object(root, "");
        if (Plan.FORMAT.equals(root.path("format").asText(null)) && root.path("version").isInt()
                && root.path("version").asInt() == Plan.VERSION) {
            return of(Plan.fromJson(root, origin));
        }
        String format = root.path("format").asText(null);
        if (!Plan.FORMAT.equals(format)) {
            throw f.error("/format", "not a " + Plan.FORMAT + " document (format is "
                    + (format == null ? "absent" : "\"" + format + "\"") + ")");
        }
        int version = f.intValue(root, "", "version");
        if (version != VERSION) {
            throw f.error("/version", "unsupported " + Plan.FORMAT + " version " + version + "; this teraio reads"
                    + " versions " + Plan.VERSION + " and " + VERSION);
        }
        if (!root.hasNonNull("hardware")) {
            throw f.error("", "missing required key \"hardware\"");
        }
        HardwareProfile hardware = HardwareProfile.fromJson(root.get("hardware"), origin, "/hardware");
        int count = hardware.devices().size();
        JsonNode traces = f.array(root, "", "traces");
        if (traces.size() != count) {
            throw f.error("/traces", count + " devices in /hardware, but " + traces.size() + " traces (one per device)");
        }
        String[] sha = new String[count];
        int[] ops = new int[count];
        for (int d = 0; d < count; d++) {
            String p = "/traces/" + d;
            JsonNode t = f.object(traces.get(d), p);
            int device = f.intValue(t, p, "device");
            if (device != d) {
                throw f.error(p + "/device", "must be " + d + " (traces are listed by device, 0, 1, ...), found " + device);
            }
            sha[d] = f.string(t, p, "sha256");
            ops[d] = f.intValue(t, p, "opsPerIteration");
        }
        String policy = f.string(root, "", "policy").toLowerCase(Locale.ROOT);
        List<List<PlanEntry>> entries = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            entries.add(new ArrayList<>());
        }
        JsonNode list = f.array(root, "", "entries");
        for (int i = 0; i < list.size(); i++) {
            String p = "/entries/" + i;
            JsonNode e = f.object(list.get(i), p);
            int device = f.intValue(e, p, "device");
            if (device < 0 || device >= count) {
                throw f.error(p + "/device", "device " + device + " does not exist (the hardware's devices are 0.."
                        + (count - 1) + ")");
            }
            entries.get(device).add(Plan.readEntry(f, e, p));
        }
        Prediction[] byDevice = new Prediction[count];
        if (root.hasNonNull("predictedDevices")) {
            JsonNode preds = f.array(root, "", "predictedDevices");
            if (preds.size() != count) {
                throw f.error("/predictedDevices", count + " devices in /hardware, but " + preds.size()
                        + " predictions");
            }
            for (int d = 0; d < count; d++) {
                String p = "/predictedDevices/" + d;
                int device = f.intValue(f.object(preds.get(d), p), p, "device");
                if (device != d) {
                    throw f.error(p + "/device", "must be " + d + " (listed by device, 0, 1, ...), found " + device);
                }
                byDevice[d] = Plan.readPrediction(f, preds.get(d), p);
            }
        }
        Prediction predicted = root.hasNonNull("predicted")
                ? Plan.readPrediction(f, root.get("predicted"), "/predicted") : null;
        List<Plan> plans = new ArrayList<>(count);
        for (int d = 0; d < count; d++) {
            plans.add(new Plan(sha[d], ops[d], hardware, policy, entries.get(d), byDevice[d]));
        }
        return new JobPlan(hardware, policy, plans, predicted);
    }

    /** Reads a plan file of either version ({@code .json} or {@code .json.gz}). */
    public static JobPlan read(Path file) {
        return fromJson(JsonFiles.read(file), file);
    }

    /** Writes this job plan atomically ({@code .gz} names are compressed). */
    public void write(Path file) {
        JsonFiles.write(this::writeJson, file);
    }
}
