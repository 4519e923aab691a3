package io.teraio.agent;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.HardwarePresets;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.internal.storage.NativeHeap;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The agent's arguments: {@code -javaagent:teraio-agent.jar=mode=auto,dirs=/nvme0:/nvme1,deviceMemory=8g}.
 * Pairs are separated by {@code ,}; {@code dirs} are separated by {@code :}. Besides the agent's
 * own keys ({@link #KEYS}) every {@link TeraioConfig} key is accepted, with the same precedence
 * as everywhere (argument over {@code teraio.*} property over {@code TERAIO_*} variable over
 * default).
 *
 * @param mode               what the agent does ({@code mode}, required)
 * @param warmupIterations   iterations skipped before profiling ({@code warmup})
 * @param profileIterations  iterations profiled ({@code iterations})
 * @param trace              the trace written in profile and auto mode, read in offload mode ({@code out})
 * @param plan               the plan applied in offload mode ({@code plan}); null otherwise
 * @param hardware           a hardware profile file or preset for auto mode ({@code hardware}); null for a probe
 * @param stats              the stats JSON written at exit ({@code stats})
 * @param planOut            where auto mode writes the plan it made ({@code planOut})
 * @param mmapThresholdBytes glibc's mmap threshold set at start in offload and auto mode, so that the memory
 *                           of freed tensors goes back to the system; 0 leaves the allocator as it is
 *                           ({@code mmapThreshold})
 * @param trimHeap           whether glibc gives back the free pages of its heaps after each iteration the plan
 *                           applies to ({@code trim})
 * @param torchBridge        whether the PyTorch bridge is loaded and self-checked at the first step
 *                           ({@code torchBridge}): when it works, backward's nodes are followed and parameters,
 *                           gradients and activations move through it; without it optimizer state only
 * @param config             the runtime configuration
 */
public record AgentOptions(AgentMode mode, int warmupIterations, int profileIterations, Path trace, Path plan,
                           String hardware, Path stats, Path planOut, long mmapThresholdBytes,
                           boolean trimHeap, boolean torchBridge, TeraioConfig config) {

    /** The agent's own keys with their defaults ({@code null}: none), in the order docs/agent.md lists them. */
    public static final List<TeraioConfig.Key> KEYS = List.of(
            new TeraioConfig.Key("mode", null, "profile, offload or auto (required)"),
            new TeraioConfig.Key("warmup", "1", "iterations skipped before profiling (and before offloading)"),
            new TeraioConfig.Key("iterations", "2", "iterations profiled"),
            new TeraioConfig.Key("out", "teraio-trace.json.gz", "the trace written (profile, auto) or read (offload)"),
            new TeraioConfig.Key("plan", null, "the plan applied in offload mode (required there)"),
            new TeraioConfig.Key("hardware", null, "auto mode: hardware profile file or preset; default a probe of dirs"),
            new TeraioConfig.Key("stats", "teraio-agent-stats.json", "the stats JSON written at exit"),
            new TeraioConfig.Key("planOut", null, "auto mode: where the plan made in process goes; default next to out"),
            new TeraioConfig.Key("mmapThreshold", "0", "offload and auto mode: glibc's mmap threshold set at start, so"
                    + " freed tensors at least this large leave the process; 0 leaves glibc alone"),
            new TeraioConfig.Key("trim", "true", "offload and auto mode: after each iteration the plan applies to,"
                    + " glibc gives back the free pages its heaps keep (malloc_trim, off the training thread)"),
            new TeraioConfig.Key("torchBridge", "true", "load the PyTorch bridge (libteraio_torch.so) at the first"
                    + " step: when its self-check passes, parameters, gradients and activations move through it as"
                    + " well as optimizer state; false: never load it (optimizer state only)"));

    public AgentOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(config, "config");
    }

    /** Parses the agent argument string ({@code null} or blank: no arguments). */
    public static AgentOptions parse(String agentArgs) {
        Map<String, String> agent = new LinkedHashMap<>();
        Map<String, String> runtime = new LinkedHashMap<>();
        if (agentArgs != null && !agentArgs.isBlank()) {
            for (String pair : agentArgs.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new TeraioException("teraio-agent argument '" + pair.trim() + "' is not key=value");
                }
                String key = pair.substring(0, eq).trim();
                String value = pair.substring(eq + 1).trim();
                boolean own = KEYS.stream().anyMatch(k -> k.name().equals(key));
                boolean shared = TeraioConfig.KEYS.stream().anyMatch(k -> k.name().equals(key));
                if (!own && !shared) {
                    throw new TeraioException("unknown teraio-agent key '" + key + "'; the keys are "
                            + String.join(", ", KEYS.stream().map(TeraioConfig.Key::name).toList()) + ", "
                            + String.join(", ", TeraioConfig.KEYS.stream().map(TeraioConfig.Key::name).toList()));
                }
                if ((own ? agent : runtime).put(key, value) != null) {
                    throw new TeraioException(key + ": given twice");
                }
            }
        }
        String modeText = agent.get("mode");
        if (modeText == null || modeText.isBlank()) {
            throw new TeraioException("mode: required; use mode=profile, mode=offload or mode=auto");
        }
        AgentMode mode = AgentMode.parse(modeText);
        int warmup = integer(agent, "warmup", 1);
        int iterations = integer(agent, "iterations", 1);
        Path out = path(agent, "out");
        Path plan = agent.containsKey("plan") ? path(agent, "plan") : null;
        if (mode == AgentMode.OFFLOAD && plan == null) {
            throw new TeraioException("plan: required with mode=offload (the plan file to apply)");
        }
        if (mode != AgentMode.OFFLOAD && plan != null) {
            throw new TeraioException("plan: only mode=offload applies a plan file; mode=" + mode.argName()
                    + " does not read it");
        }
        String hardware = agent.get("hardware");
        if (hardware != null) {
            checkHardware(hardware);
        }
        Path stats = path(agent, "stats");
        Path planOut = agent.containsKey("planOut") ? path(agent, "planOut") : defaultPlanOut(out);
        long mmapThreshold = Units.parseBytes("mmapThreshold", text(agent, "mmapThreshold"));
        if (mmapThreshold < 0 || mmapThreshold > NativeHeap.MAX_MMAP_THRESHOLD_BYTES) {
            throw new TeraioException("mmapThreshold: " + mmapThreshold + " bytes is not between 0 and "
                    + Units.formatBytes(NativeHeap.MAX_MMAP_THRESHOLD_BYTES) + " (glibc's largest)");
        }
        boolean trim = bool(agent, "trim");
        boolean torchBridge = bool(agent, "torchBridge");
        TeraioConfig config = TeraioConfig.resolve(runtime);
        return new AgentOptions(mode, warmup, iterations, out, plan, hardware, stats, planOut, mmapThreshold,
                trim, torchBridge, config);
    }

    /** {@code key=value} for every key in effect, agent keys first, for the line logged at start. */
    public Map<String, String> describe() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("mode", mode.argName());
        map.put("warmup", Integer.toString(warmupIterations));
        map.put("iterations", Integer.toString(profileIterations));
        map.put("out", trace.toString());
        if (plan != null) {
            map.put("plan", plan.toString());
        }
        if (mode == AgentMode.AUTO) {
            map.put("hardware", hardware == null ? "(probe of dirs)" : hardware);
            map.put("planOut", planOut.toString());
        }
        map.put("stats", stats.toString());
        if (mode != AgentMode.PROFILE) {
            map.put("mmapThreshold", mmapThresholdBytes == 0 ? "0 (glibc's own)" : Units.formatBytes(mmapThresholdBytes));
            map.put("trim", Boolean.toString(trimHeap));
        }
        map.put("torchBridge", Boolean.toString(torchBridge));
        map.putAll(config.describe());
        return map;
    }

    /** {@code trace.json.gz} -> {@code trace.plan.json} in the same directory. */
    static Path defaultPlanOut(Path trace) {
        String name = trace.getFileName().toString();
        for (String suffix : List.of(".json.gz", ".json", ".gz")) {
            if (name.endsWith(suffix)) {
                name = name.substring(0, name.length() - suffix.length());
                break;
            }
        }
        return trace.resolveSibling(name + ".plan.json");
    }

    /** A hardware file that reads, or a preset that exists: checked at launch, not after profiling. */
    private static void checkHardware(String hardware) {
        if (hardware.isBlank()) {
            throw new TeraioException("hardware: empty; give a hardware.json file or a preset name");
        }
        Path file;
        try {
            file = Path.of(hardware);
        } catch (InvalidPathException e) {
            throw new TeraioException("hardware: '" + hardware + "' is not a path: " + e.getReason());
        }
        if (Files.isRegularFile(file)) {
            HardwareProfile.read(file);
        } else if (!HardwarePresets.names().contains(hardware.toLowerCase(Locale.ROOT))) {
            throw new TeraioException("hardware: '" + hardware + "' is neither a file nor a preset; presets: "
                    + String.join(", ", HardwarePresets.names()));
        }
    }

    private static String text(Map<String, String> args, String name) {
        if (args.containsKey(name)) {
            return args.get(name);
        }
        return KEYS.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow().defaultValue();
    }

    private static boolean bool(Map<String, String> args, String name) {
        String value = text(args, name).toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new TeraioException(name + ": '" + text(args, name) + "' is not true or false");
        }
        return value.equals("true");
    }

    private static int integer(Map<String, String> args, String name, int min) {
        String value = text(args, name);
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TeraioException(name + ": '" + value + "' is not a whole number of at least " + min);
    }

    private static Path path(Map<String, String> args, String name) {
        String value = text(args, name);
        if (value == null || value.isBlank()) {
            throw new TeraioException(name + ": empty; give a file path");
        }
        Path path;
        try {
            path = Path.of(value);
        } catch (InvalidPathException e) {
            throw new TeraioException(name + ": '" + value + "' is not a path: " + e.getReason());
        }
        if (path.getFileName() == null) {
            throw new TeraioException(name + ": '" + value + "' names no file (a root directory); give a file path");
        }
        return path;
    }
}
