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

    private static final Map<String, HardwareProfile> PRESETS = Map.of(
            // G10 (MICRO'23): A100 40 GB, one 3.2 GB/s SSD, PCIe 3.0 x16 at 15.75 GB/s, 128 GB host.
            "g10", uniform(40L << 30, 1, 3_200_000_000L, 3_200_000_000L, 15_750_000_000L, 128L << 30),
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

    /** One device and {@code ssdCount} identical SSDs, none tied to a device. */
    public static HardwareProfile uniform(long deviceBytes, int ssdCount, long ssdRead, long ssdWrite, long pcie,
                                         long hostBytes) {
        List<Ssd> ssds = new ArrayList<>();
        for (int i = 0; i < ssdCount; i++) {
            ssds.add(new Ssd(i, null, ssdRead, ssdWrite, DEFAULT_SSD_LATENCY_NS, -1));
        }
        return new HardwareProfile(List.of(new Device(0, deviceBytes, pcie)), ssds, hostBytes);
    }
}
