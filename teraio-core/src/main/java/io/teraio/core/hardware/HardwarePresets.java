package io.teraio.core.hardware;

import io.teraio.core.TeraioException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Named hardware profiles from the literature, for planning and comparison
 * (docs/hardware.md gives their sources). Vendor figures are decimal (GB/s = 1e9 bytes/s).
 */
public final class HardwarePresets {
    /** Latency assumed for an NVMe SSD request when a profile does not say. */
    public static final long DEFAULT_SSD_LATENCY_NS = 20_000;
    /** G10's {@code SSD_latency_us}. */
    private static final long G10_SSD_LATENCY_NS = 20_000;

    private static final Map<String, HardwareProfile> PRESETS = Map.of(
            // G10 (MICRO'23), its simulator's defaults (src/resources/genconfigs.py): GPU_memory_size_GB 40
            // (GiB), SSD_PCIe_bandwidth_GBps 3.2 and CPU_PCIe_bandwidth_GBps 15.754 (its simulator
            // multiplies by 1e9), SSD_latency_us 20, CPU_memory_line_GB 128 (GiB).
            "g10", uniform(40L << 30, 1, 3_200_000_000L, 3_200_000_000L, 15_754_000_000L, 128L << 30,
                    G10_SSD_LATENCY_NS),
            // TERAIO (arXiv 2506.06472): H100 NVL 94 GB, four SSDs at 6.7 GB/s read and
            // 6.5 GB/s write, PCIe Gen5 x16 (63 GB/s); host memory cap ours (256 GiB).
            "teraio-paper", uniform(94_000_000_000L, 4, 6_700_000_000L, 6_500_000_000L, 63_000_000_000L, 256L << 30),
            // One H100 SXM 80 GB with one Gen4 NVMe SSD and PCIe Gen5.
            "h100", uniform(80L << 30, 1, 7_000_000_000L, 6_500_000_000L, 63_000_000_000L, 64L << 30));

    private HardwarePresets() {
    }

    /** The preset names, sorted. */
    public static List<String> names() {
        return PRESETS.keySet().stream().sorted().toList();
    }

    /**
     * The preset called {@code name}.
     *
     * @throws TeraioException listing the names if there is none
     */
    public static HardwareProfile named(String name) {
        HardwareProfile profile = PRESETS.get(name.toLowerCase(Locale.ROOT));
        if (profile == null) {
            throw new TeraioException("unknown hardware preset '" + name + "'; presets: " + String.join(", ", names()));
        }
        return profile;
    }

    /** One device and {@code ssdCount} identical SSDs of the default latency, none tied to a device. */
    public static HardwareProfile uniform(long deviceBytes, int ssdCount, long ssdRead, long ssdWrite, long pcie,
                                         long hostBytes) {
        return uniform(deviceBytes, ssdCount, ssdRead, ssdWrite, pcie, hostBytes, DEFAULT_SSD_LATENCY_NS);
    }

    private static HardwareProfile uniform(long deviceBytes, int ssdCount, long ssdRead, long ssdWrite, long pcie,
                                           long hostBytes, long ssdLatencyNs) {
        List<Ssd> ssds = new ArrayList<>();
        for (int i = 0; i < ssdCount; i++) {
            ssds.add(new Ssd(i, null, ssdRead, ssdWrite, ssdLatencyNs, -1));
        }
        return new HardwareProfile(List.of(new Device(0, deviceBytes, pcie)), ssds, hostBytes);
    }
}
