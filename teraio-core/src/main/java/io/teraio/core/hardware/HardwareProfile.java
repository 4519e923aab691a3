package io.teraio.core.hardware;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
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
 * What offloading runs on: devices, SSDs, and the host memory it may use
 * ({@code hardware.json}, docs/hardware.md).
 *
 * @param devices         the accelerators, ids 0..n-1 in order (at least one)
 * @param ssds            the SSDs, ids 0..n-1 in order (may be empty: host memory only)
 * @param hostMemoryBytes host memory offloading may use (not negative)
 * @param probe           what {@code teraio probe} measured besides, or {@code null}
 */
public record HardwareProfile(List<Device> devices, List<Ssd> ssds, long hostMemoryBytes, ProbeResults probe) {
    public static final String FORMAT = "teraio-hardware";
    public static final int VERSION = 1;
    /** The most devices, and the most SSDs, a profile read from input may list. */
    public static final int MAX_COUNT = 1024;
    /** The largest device or host memory a profile read from input may state: 2^50 bytes (1 PiB). */
    public static final long MAX_MEMORY_BYTES = 1L << 50;
    /**
     * How far a measured rate (a bandwidth, a latency) may be from another before
     * {@link #differencesFrom} names it: 10%, about what two probes of one disk differ by.
     */
    public static final double RATE_TOLERANCE = 0.10;
    /** The least bandwidth (PCIe, SSD read or write) a profile read from input may state: 1 MiB/s. */
    public static final long MIN_BYTES_PER_SECOND = 1L << 20;
    /** The most bandwidth a profile read from input may state: 2^50 bytes/s (1 PiB/s). */
    public static final long MAX_BYTES_PER_SECOND = 1L << 50;
    /** The longest SSD latency a profile read from input may state: 1 s. */
    public static final long MAX_LATENCY_NS = 1_000_000_000L;

    public HardwareProfile {
        devices = List.copyOf(Objects.requireNonNull(devices, "devices"));
        ssds = List.copyOf(Objects.requireNonNull(ssds, "ssds"));
        String problem = firstOf(problem(devices, ssds, hostMemoryBytes), problem(probe, ssds));
        if (problem != null) {
            throw new TeraioException("hardware profile: " + problem);
        }
    }

    /** A profile without probe results. */
    public HardwareProfile(List<Device> devices, List<Ssd> ssds, long hostMemoryBytes) {
        this(devices, ssds, hostMemoryBytes, null);
    }

    /** The same profile with {@code probe} as its probe results ({@code null}: none). */
    public HardwareProfile withProbe(ProbeResults probe) {
        return new HardwareProfile(devices, ssds, hostMemoryBytes, probe);
    }

    /** The one device of a single-GPU profile, or device 0. */
    public Device device() {
        return devices.get(0);
    }

    /** The SSDs that serve {@code device} (those mapped to it or to any device). */
    public List<Ssd> ssdsFor(int device) {
        List<Ssd> result = new ArrayList<>();
        for (Ssd ssd : ssds) {
            if (ssd.device() < 0 || ssd.device() == device) {
                result.add(ssd);
            }
        }
        return result;
    }

    private static String problem(List<Device> devices, List<Ssd> ssds, long hostMemoryBytes) {
        if (devices.isEmpty()) {
            return "no devices";
        }
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            if (d.id() != i) {
                return "device " + i + " has id " + d.id() + " (ids must be 0, 1, ... in order)";
            }
            if (d.memoryBytes() <= 0) {
                return "device " + i + ": memoryBytes must be positive, got " + d.memoryBytes();
            }
            if (d.pcieBytesPerSecond() <= 0) {
                return "device " + i + ": pcieBytesPerSecond must be positive, got " + d.pcieBytesPerSecond();
            }
        }
        for (int i = 0; i < ssds.size(); i++) {
            Ssd s = ssds.get(i);
            if (s.id() != i) {
                return "ssd " + i + " has id " + s.id() + " (ids must be 0, 1, ... in order)";
            }
            if (s.readBytesPerSecond() <= 0 || s.writeBytesPerSecond() <= 0) {
                return "ssd " + i + ": read and write bandwidth must be positive";
            }
            if (s.latencyNs() < 0) {
                return "ssd " + i + ": latencyNs must not be negative";
            }
            if (s.device() < -1 || s.device() >= devices.size()) {
                return "ssd " + i + ": device " + s.device() + " does not exist";
            }
        }
        if (hostMemoryBytes < 0) {
            return "hostMemoryBytes must not be negative";
        }
        return null;
    }

    private static String problem(ProbeResults probe, List<Ssd> ssds) {
        if (probe == null) {
            return null;
        }
        if (probe.taskBytes() <= 0 || probe.queueDepth() <= 0) {
            return "probe: taskBytes and queueDepth must be positive, got " + probe.taskBytes() + " and "
                    + probe.queueDepth();
        }
        if (probe.migrationNs() < 0) {
            return "probe: migrationNs must not be negative, got " + probe.migrationNs();
        }
        if (probe.ssds().size() != ssds.size()) {
            return "probe: results for " + probe.ssds().size() + " SSDs, but the profile has " + ssds.size();
        }
        for (int i = 0; i < probe.ssds().size(); i++) {
            ProbeResults.SsdResults s = probe.ssds().get(i);
            if (s.id() != i) {
                return "probe: ssd " + i + " has id " + s.id() + " (ids must be 0, 1, ... in order)";
            }
            if (s.readTaskNs() <= 0 || s.writeTaskNs() <= 0) {
                return "probe: ssd " + i + ": readTaskNs and writeTaskNs must be positive";
            }
        }
        return null;
    }

    /**
     * Whether the values are within the limits a profile read from a file or given on the
     * command line must keep, so that every time and size the planner and the simulator
     * derive from them fits in a long: at most {@link #MAX_COUNT} devices and SSDs, memory up
     * to {@link #MAX_MEMORY_BYTES}, bandwidths from {@link #MIN_BYTES_PER_SECOND} to
     * {@link #MAX_BYTES_PER_SECOND}, latency up to {@link #MAX_LATENCY_NS} (docs/hardware.md).
     *
     * @return the first value out of its limits, or {@code null} if all are within them
     */
    public String outOfLimits() {
        if (devices.size() > MAX_COUNT || ssds.size() > MAX_COUNT) {
            return devices.size() + " devices and " + ssds.size() + " SSDs; at most " + MAX_COUNT + " of each";
        }
        for (Device d : devices) {
            String problem = firstOf(
                    above("device " + d.id() + ": memoryBytes", d.memoryBytes(), MAX_MEMORY_BYTES, "2^50 (1 PiB)"),
                    bandwidth("device " + d.id() + ": pcieBytesPerSecond", d.pcieBytesPerSecond()));
            if (problem != null) {
                return problem;
            }
        }
        for (Ssd s : ssds) {
            String problem = firstOf(bandwidth("ssd " + s.id() + ": readBytesPerSecond", s.readBytesPerSecond()),
                    bandwidth("ssd " + s.id() + ": writeBytesPerSecond", s.writeBytesPerSecond()),
                    above("ssd " + s.id() + ": latencyNs", s.latencyNs(), MAX_LATENCY_NS, "1000000000 (1 s)"));
            if (problem != null) {
                return problem;
            }
        }
        String host = above("hostMemoryBytes", hostMemoryBytes, MAX_MEMORY_BYTES, "2^50 (1 PiB)");
        if (host != null || probe == null) {
            return host;
        }
        String problem = firstOf(above("probe: taskBytes", probe.taskBytes(), 1L << 30, "1073741824 (1 GiB)"),
                bandwidth("probe: toHostBytesPerSecond", probe.toHostBytesPerSecond()),
                bandwidth("probe: fromHostBytesPerSecond", probe.fromHostBytesPerSecond()),
                above("probe: migrationNs", probe.migrationNs(), MAX_LATENCY_NS, "1000000000 (1 s)"));
        for (ProbeResults.SsdResults s : probe.ssds()) {
            if (problem != null) {
                return problem;
            }
            String p = "probe: ssd " + s.id() + ": ";
            problem = firstOf(bandwidth(p + "mixedReadBytesPerSecond", s.mixedReadBytesPerSecond()),
                    bandwidth(p + "mixedWriteBytesPerSecond", s.mixedWriteBytesPerSecond()),
                    above(p + "readTaskNs", s.readTaskNs(), MAX_LATENCY_NS, "1000000000 (1 s)"),
                    above(p + "writeTaskNs", s.writeTaskNs(), MAX_LATENCY_NS, "1000000000 (1 s)"));
        }
        return problem;
    }

    private static String firstOf(String... problems) {
        for (String problem : problems) {
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String above(String what, long value, long max, String maxText) {
        return value > max ? what + " is " + value + ", more than the limit of " + maxText : null;
    }

    private static String bandwidth(String what, long value) {
        if (value < MIN_BYTES_PER_SECOND) {
            return what + " is " + value + ", less than the limit of 1048576 (1 MiB/s)";
        }
        return above(what, value, MAX_BYTES_PER_SECOND, "2^50 (1 PiB/s)");
    }

    /**
     * What differs between this profile and {@code other} (this one's value first), one
     * phrase each, such as {@code "ssd 0 read 1.13 GiB/s (other: 6.50 GiB/s)"}: device count,
     * each device's memory and PCIe bandwidth, SSD count, each SSD's read and write bandwidth and
     * latency, host memory. Sizes and counts must be equal; rates (bandwidths, latency) may
     * differ by {@link #RATE_TOLERANCE}. SSD directories are not compared.
     *
     * @param otherName what {@code other} is called in the phrases ("plan")
     * @return the differences, empty when none
     */
    public List<String> differencesFrom(HardwareProfile other, String otherName) {
        List<String> out = new ArrayList<>();
        if (devices.size() != other.devices.size()) {
            out.add("device count " + devices.size() + " (" + otherName + ": " + other.devices.size() + ")");
        }
        for (int i = 0; i < Math.min(devices.size(), other.devices.size()); i++) {
            Device a = devices.get(i);
            Device b = other.devices.get(i);
            if (a.memoryBytes() != b.memoryBytes()) {
                out.add("device " + i + " memory " + Units.formatBytes(a.memoryBytes()) + " (" + otherName + ": "
                        + Units.formatBytes(b.memoryBytes()) + ")");
            }
            rate(out, "device " + i + " PCIe", a.pcieBytesPerSecond(), b.pcieBytesPerSecond(), otherName, true);
        }
        if (ssds.size() != other.ssds.size()) {
            out.add("SSD count " + ssds.size() + " (" + otherName + ": " + other.ssds.size() + ")");
        }
        for (int i = 0; i < Math.min(ssds.size(), other.ssds.size()); i++) {
            Ssd a = ssds.get(i);
            Ssd b = other.ssds.get(i);
            rate(out, "ssd " + i + " read", a.readBytesPerSecond(), b.readBytesPerSecond(), otherName, true);
            rate(out, "ssd " + i + " write", a.writeBytesPerSecond(), b.writeBytesPerSecond(), otherName, true);
            rate(out, "ssd " + i + " latency", a.latencyNs(), b.latencyNs(), otherName, false);
        }
        if (hostMemoryBytes != other.hostMemoryBytes) {
            out.add("host memory " + Units.formatBytes(hostMemoryBytes) + " (" + otherName + ": "
                    + Units.formatBytes(other.hostMemoryBytes) + ")");
        }
        return out;
    }

    private static void rate(List<String> out, String what, long a, long b, String otherName, boolean perSecond) {
        if (Math.abs(a - b) > RATE_TOLERANCE * Math.max(a, b)) {
            out.add(String.format(Locale.ROOT, "%s %s (%s: %s)", what, rate(a, perSecond), otherName,
                    rate(b, perSecond)));
        }
    }

    private static String rate(long value, boolean perSecond) {
        return perSecond ? Units.formatBytes(value) + "/s" : Units.formatNanos(value);
    }

    /** This profile as a JSON object (the content of {@code hardware.json}). */
    public ObjectNode toJson() {
        return (ObjectNode) JsonFiles.tree(this::writeJson);
    }

    /** Writes this profile as a JSON object (the content of {@code hardware.json}). */
    public void writeJson(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("format", FORMAT);
        json.writeNumberField("version", VERSION);
        json.writeArrayFieldStart("devices");
        for (Device d : devices) {
            json.writeStartObject();
            json.writeNumberField("id", d.id());
            json.writeNumberField("memoryBytes", d.memoryBytes());
            json.writeNumberField("pcieBytesPerSecond", d.pcieBytesPerSecond());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("ssds");
        for (Ssd s : ssds) {
            json.writeStartObject();
            json.writeNumberField("id", s.id());
            if (s.directory() != null) {
                json.writeStringField("directory", s.directory());
            }
            json.writeNumberField("readBytesPerSecond", s.readBytesPerSecond());
            json.writeNumberField("writeBytesPerSecond", s.writeBytesPerSecond());
            json.writeNumberField("latencyNs", s.latencyNs());
            json.writeNumberField("device", s.device());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeNumberField("hostMemoryBytes", hostMemoryBytes);
        if (probe != null) {
            json.writeObjectFieldStart("probe");
            json.writeNumberField("taskBytes", probe.taskBytes());
            json.writeNumberField("queueDepth", probe.queueDepth());
            json.writeNumberField("toHostBytesPerSecond", probe.toHostBytesPerSecond());
            json.writeNumberField("fromHostBytesPerSecond", probe.fromHostBytesPerSecond());
            json.writeBooleanField("verify", probe.verify());
            json.writeNumberField("migrationNs", probe.migrationNs());
            json.writeArrayFieldStart("ssds");
            for (ProbeResults.SsdResults s : probe.ssds()) {
                json.writeStartObject();
                json.writeNumberField("id", s.id());
                json.writeNumberField("mixedReadBytesPerSecond", s.mixedReadBytesPerSecond());
                json.writeNumberField("mixedWriteBytesPerSecond", s.mixedWriteBytesPerSecond());
                json.writeNumberField("readTaskNs", s.readTaskNs());
                json.writeNumberField("writeTaskNs", s.writeTaskNs());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndObject();
    }

    /**
     * A profile from its JSON object.
     *
     * @param origin what to name in errors (a file, or a file and pointer)
     * @throws TeraioException naming {@code origin} and the JSON pointer of what is wrong
     */
    public static HardwareProfile fromJson(JsonNode root, Object origin, String pointer) {
        JsonFields f = new JsonFields(origin);
        f.object(root, pointer);
        if (root.has("format") || pointer.isEmpty()) {
            String format = root.path("format").asText(null);
            if (!FORMAT.equals(format)) {
                throw f.error(pointer + "/format", "not a " + FORMAT + " document (format is "
                        + (format == null ? "absent" : "\"" + format + "\"") + ")");
            }
            int version = f.intValue(root, pointer, "version");
            if (version != VERSION) {
                throw f.error(pointer + "/version", "unsupported hardware profile version " + version
                        + "; this teraio reads version " + VERSION);
            }
        }
        List<Device> devices = new ArrayList<>();
        JsonNode devs = f.array(root, pointer, "devices");
        for (int i = 0; i < devs.size(); i++) {
            String p = pointer + "/devices/" + i;
            JsonNode d = f.object(devs.get(i), p);
            devices.add(new Device(f.intValue(d, p, "id"), f.longValue(d, p, "memoryBytes"),
                    f.longValue(d, p, "pcieBytesPerSecond")));
        }
        List<Ssd> ssds = new ArrayList<>();
        JsonNode disks = f.array(root, pointer, "ssds");
        for (int i = 0; i < disks.size(); i++) {
            String p = pointer + "/ssds/" + i;
            JsonNode s = f.object(disks.get(i), p);
            String directory = s.hasNonNull("directory") ? f.string(s, p, "directory") : null;
            int device = s.hasNonNull("device") ? f.intValue(s, p, "device") : -1;
            long latency = s.hasNonNull("latencyNs") ? f.longValue(s, p, "latencyNs") : 0;
            ssds.add(new Ssd(f.intValue(s, p, "id"), directory, f.longValue(s, p, "readBytesPerSecond"),
                    f.longValue(s, p, "writeBytesPerSecond"), latency, device));
        }
        long host = f.longValue(root, pointer, "hostMemoryBytes");
        ProbeResults probe = root.hasNonNull("probe") ? probeFromJson(f, root.get("probe"), pointer + "/probe") : null;
        String problem = firstOf(problem(devices, ssds, host), problem(probe, ssds));
        if (problem != null) {
            throw f.error(pointer.isEmpty() ? "/" : pointer, problem);
        }
        HardwareProfile profile = new HardwareProfile(devices, ssds, host, probe);
        String outOfLimits = profile.outOfLimits();
        if (outOfLimits != null) {
            throw f.error(pointer.isEmpty() ? "/" : pointer, outOfLimits);
        }
        return profile;
    }

    private static ProbeResults probeFromJson(JsonFields f, JsonNode node, String pointer) {
        f.object(node, pointer);
        List<ProbeResults.SsdResults> ssds = new ArrayList<>();
        JsonNode list = f.array(node, pointer, "ssds");
        for (int i = 0; i < list.size(); i++) {
            String p = pointer + "/ssds/" + i;
            JsonNode s = f.object(list.get(i), p);
            ssds.add(new ProbeResults.SsdResults(f.intValue(s, p, "id"), f.longValue(s, p, "mixedReadBytesPerSecond"),
                    f.longValue(s, p, "mixedWriteBytesPerSecond"), f.longValue(s, p, "readTaskNs"),
                    f.longValue(s, p, "writeTaskNs")));
        }
        return new ProbeResults(f.longValue(node, pointer, "taskBytes"), f.intValue(node, pointer, "queueDepth"),
                f.longValue(node, pointer, "toHostBytesPerSecond"), f.longValue(node, pointer, "fromHostBytesPerSecond"),
                node.hasNonNull("verify") && f.bool(node, pointer, "verify"),
                node.hasNonNull("migrationNs") ? f.longValue(node, pointer, "migrationNs") : 0, ssds);
    }

    /** Reads {@code hardware.json}. */
    public static HardwareProfile read(Path file) {
        return fromJson(JsonFiles.read(file), file, "");
    }

    /**
     * Reads a hardware profile from a stream, plain or gzip compressed, to its end;
     * {@code sourceName} stands for the file name in error messages.
     */
    public static HardwareProfile read(InputStream in, String sourceName) {
        return fromJson(JsonFiles.read(in, sourceName), sourceName, "");
    }

    /** Writes {@code hardware.json} atomically. */
    public void write(Path file) {
        JsonFiles.write(this::writeJson, file);
    }
}
