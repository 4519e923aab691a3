package io.teraio.cli;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwarePresets;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.planner.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The hardware flags of {@code plan}, {@code compare} and the other planning commands: a
 * base profile ({@code --hardware FILE|PRESET}, default the {@code h100} preset) and
 * overrides of its parts (docs/hardware.md).
 */
public final class HardwareOptions {
    static final String DEFAULT_PRESET = "h100";
    private static final Pattern SSD = Pattern.compile("(?:(\\d{1,9})\\s*x\\s*)?([^x]+)");
    private static final String SSD_FORM = "[COUNTx]BANDWIDTH (COUNTxSIZE per second) with 1 to 64 SSDs, such as 4x6.5g";

    @Option(names = "--hardware", paramLabel = "FILE|PRESET",
            description = "Base hardware profile: a hardware.json file or a preset (g10, teraio-paper, h100;"
                    + " default h100). The flags below override parts of it.")
    String hardware;

    @Option(names = "--gpu-mem", paramLabel = "SIZE", description = "Device memory for tensors, such as 40g.")
    String gpuMemory;

    @Option(names = "--ssd", paramLabel = "[COUNTx]BW",
            description = "COUNT identical SSDs with BW bytes/s read and write, such as 4x6.5g (COUNTxSIZE; 1g = 1 GiB,"
                    + " 1GB = 10^9).")
    String ssd;

    @Option(names = "--ssd-read", paramLabel = "BW", description = "Read bandwidth of every SSD, bytes/s.")
    String ssdRead;

    @Option(names = "--ssd-write", paramLabel = "BW", description = "Write bandwidth of every SSD, bytes/s.")
    String ssdWrite;

    @Option(names = "--ssd-latency", paramLabel = "TIME", description = "Latency of every SSD request, such as 20us.")
    String ssdLatency;

    @Option(names = "--pcie", paramLabel = "BW", description = "PCIe bandwidth per direction of every device, bytes/s.")
    String pcie;

    @Option(names = "--host-mem", paramLabel = "SIZE", description = "Host memory offloading may use, such as 64g.")
    String hostMemory;

    @Option(names = "--devices", paramLabel = "N",
            description = "N devices like device 0 (1 to 1024), for a job of N ranks; the SSDs stay shared by all"
                    + " unless --ssd-per-device.")
    Integer deviceCount;

    @Option(names = "--ssd-per-device",
            description = "With --ssd COUNTxBW: COUNT SSDs of each device's own (mapped to it), not COUNT shared by all.")
    boolean ssdPerDevice;

    /** Whether any of these options was given. */
    public boolean given() {
        return hardware != null || gpuMemory != null || ssd != null || ssdRead != null || ssdWrite != null
                || ssdLatency != null || pcie != null || hostMemory != null || deviceCount != null || ssdPerDevice;
    }

    /** The profile the flags describe. */
    public HardwareProfile resolve() {
        HardwareProfile base = base();
        List<Device> devices = new ArrayList<>(base.devices());
        List<Ssd> ssds = new ArrayList<>(base.ssds());
        long host = base.hostMemoryBytes();
        if (deviceCount != null) {
            if (deviceCount < 1 || deviceCount > HardwareProfile.MAX_COUNT) {
                throw new TeraioException("--devices: must be 1 to " + HardwareProfile.MAX_COUNT + ", got " + deviceCount);
            }
            Device first = devices.get(0);
            devices.clear();
            for (int i = 0; i < deviceCount; i++) {
                devices.add(new Device(i, first.memoryBytes(), first.pcieBytesPerSecond()));
            }
            if (ssd == null) {
                for (Ssd s : ssds) {
                    if (s.device() >= deviceCount) {
                        throw new TeraioException("--devices: " + deviceCount + " devices, but ssd " + s.id()
                                + " of the base profile serves device " + s.device());
                    }
                }
            }
        }
        if (ssdPerDevice && ssd == null) {
            throw new TeraioException("--ssd-per-device: needs --ssd COUNTxBW (the SSDs each device gets)");
        }
        if (gpuMemory != null) {
            long bytes = positive("--gpu-mem", Units.parseBytesWithUnit("--gpu-mem", gpuMemory), gpuMemory);
            devices.replaceAll(d -> new Device(d.id(), bytes, d.pcieBytesPerSecond()));
        }
        if (pcie != null) {
            long bw = positive("--pcie", Units.parseBytesWithUnit("--pcie", pcie), pcie);
            devices.replaceAll(d -> new Device(d.id(), d.memoryBytes(), bw));
        }
        if (ssd != null) {
            Matcher m = SSD.matcher(ssd.trim().toLowerCase(Locale.ROOT));
            int count = m.matches() && m.group(1) != null ? Integer.parseInt(m.group(1)) : 1;
            if (!m.matches() || count < 1 || count > 64) {
                throw new TeraioException("--ssd: '" + ssd + "' is not " + SSD_FORM);
            }
            long bw;
            try {
                bw = positive("--ssd", Units.parseBytesWithUnit("--ssd", m.group(2)), ssd);
            } catch (TeraioException e) {
                throw new TeraioException(e.getMessage() + "; --ssd is " + SSD_FORM);
            }
            long latency = ssds.isEmpty() ? HardwarePresets.DEFAULT_SSD_LATENCY_NS : ssds.get(0).latencyNs();
            ssds.clear();
            int owners = ssdPerDevice ? devices.size() : 1;
            for (int d = 0; d < owners; d++) {
                for (int i = 0; i < count; i++) {
                    ssds.add(new Ssd(ssds.size(), null, bw, bw, latency, ssdPerDevice ? d : -1));
                }
            }
        }
        if (ssdRead != null) {
            long bw = positive("--ssd-read", Units.parseBytesWithUnit("--ssd-read", ssdRead), ssdRead);
            ssds.replaceAll(s -> new Ssd(s.id(), s.directory(), bw, s.writeBytesPerSecond(), s.latencyNs(), s.device()));
        }
        if (ssdWrite != null) {
            long bw = positive("--ssd-write", Units.parseBytesWithUnit("--ssd-write", ssdWrite), ssdWrite);
            ssds.replaceAll(s -> new Ssd(s.id(), s.directory(), s.readBytesPerSecond(), bw, s.latencyNs(), s.device()));
        }
        if (ssdLatency != null) {
            long ns = Units.parseNanos("--ssd-latency", ssdLatency);
            ssds.replaceAll(s -> new Ssd(s.id(), s.directory(), s.readBytesPerSecond(), s.writeBytesPerSecond(), ns,
                    s.device()));
        }
        if (hostMemory != null) {
            host = Units.parseBytesWithUnit("--host-mem", hostMemory);
        }
        // probe's measurements stay with the SSDs and links they were made on, not with ones the flags replace
        boolean measuredStill = ssd == null && ssdRead == null && ssdWrite == null && ssdLatency == null && pcie == null;
        HardwareProfile profile = new HardwareProfile(devices, ssds, host, measuredStill ? base.probe() : null);
        String outOfLimits = profile.outOfLimits();
        if (outOfLimits != null) {
            throw new TeraioException("hardware (" + (hardware == null ? DEFAULT_PRESET : hardware) + " with the flags given): "
                    + outOfLimits);
        }
        return profile;
    }

    private HardwareProfile base() {
        if (hardware == null) {
            return HardwarePresets.named(DEFAULT_PRESET);
        }
        Path file = Path.of(hardware);
        if (Files.exists(file) || hardware.contains("/") || hardware.endsWith(".json")) {
            return HardwareProfile.read(file);
        }
        if (!HardwarePresets.names().contains(hardware.toLowerCase(Locale.ROOT))) {
            throw new TeraioException("--hardware: '" + hardware + "' is neither a file nor a preset; presets: "
                    + String.join(", ", HardwarePresets.names()));
        }
        return HardwarePresets.named(hardware);
    }

    /**
     * Rejects, before planning, hardware that leaves nowhere to put what does not fit: a
     * profile without SSDs whose host memory is smaller than the bytes the trace's peak
     * exceeds the device by (no plan can fit it, and planning would only end in the
     * simulator's out-of-memory message).
     *
     * @throws TeraioException naming the peak, the device's memory and what to add
     */
    public static void requireRoomToOffload(Workload workload, HardwareProfile hw) {
        long peak = workload.peakLiveBytes();
        long device = hw.device().memoryBytes();
        if (!hw.ssds().isEmpty() || peak <= device || hw.hostMemoryBytes() >= peak - device) {
            return;
        }
        throw new TeraioException("hardware: the trace needs " + Units.formatBytes(peak) + " at its peak, "
                + Units.formatBytes(peak - device) + " more than the device's " + Units.formatBytes(device)
                + ", but the profile has no SSD and " + (hw.hostMemoryBytes() == 0 ? "no host memory"
                        : "only " + Units.formatBytes(hw.hostMemoryBytes()) + " of host memory")
                + " to offload to; add SSDs (such as --ssd 1x6.5g) or host memory (--host-mem)");
    }

    private static long positive(String key, long value, String text) {
        if (value <= 0) {
            throw new TeraioException(key + ": must be positive, got '" + text + "'");
        }
        return value;
    }

    /** One line describing a profile, for command output. */
    public static String describe(HardwareProfile hw) {
        Device d = hw.device();
        int n = hw.devices().size();
        boolean alike = hw.devices().stream().allMatch(o -> o.memoryBytes() == d.memoryBytes()
                && o.pcieBytesPerSecond() == d.pcieBytesPerSecond());
        StringBuilder sb = new StringBuilder(n == 1 ? "" : n + " devices, " + (alike ? "each " : "the first "));
        sb.append(String.format(Locale.ROOT, "device %s, PCIe %s/s", Units.formatBytes(d.memoryBytes()),
                Units.formatBytes(d.pcieBytesPerSecond())));
        if (hw.ssds().isEmpty()) {
            sb.append(", no SSD");
        } else {
            Ssd s = hw.ssds().get(0);
            boolean same = hw.ssds().stream().allMatch(o -> o.readBytesPerSecond() == s.readBytesPerSecond()
                    && o.writeBytesPerSecond() == s.writeBytesPerSecond());
            sb.append(String.format(Locale.ROOT, ", %d SSD%s %s/s read, %s/s write%s", hw.ssds().size(),
                    hw.ssds().size() == 1 ? "" : "s", Units.formatBytes(s.readBytesPerSecond()),
                    Units.formatBytes(s.writeBytesPerSecond()), same ? " each" : " (first; others differ)"));
            if (n > 1) {
                long shared = hw.ssds().stream().filter(o -> o.device() < 0).count();
                sb.append(shared == hw.ssds().size() ? " shared by all devices"
                        : shared == 0 ? " mapped to devices" : " (" + shared + " shared, the others mapped to devices)");
            }
        }
        sb.append(", host ").append(Units.formatBytes(hw.hostMemoryBytes()));
        return sb.toString();
    }
}
