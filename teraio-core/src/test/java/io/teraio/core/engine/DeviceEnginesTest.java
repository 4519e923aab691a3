package io.teraio.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One engine per device, each writing only to its own SSDs, as hardware.json maps them. */
class DeviceEnginesTest {
    private static final long G = 1L << 30;

    @TempDir
    Path tmp;

    @Test
    void eachDevicesEngineHasTheSsdsMappedToItAndThoseMappedToAnyDevice() {
        HardwareProfile hw = profile(2, ssd(0, "a", 1), ssd(1, "b", 0), ssd(2, "c", -1), ssd(3, "d", -1));
        List<TeraioConfig> configs = DeviceEngines.configs(TeraioConfig.defaults(), hw);
        assertEquals(2, configs.size());
        assertEquals(0, configs.get(0).device());
        assertEquals(List.of(tmp.resolve("b"), tmp.resolve("c"), tmp.resolve("d")), configs.get(0).dirs());
        assertEquals(1, configs.get(1).device());
        assertEquals(List.of(tmp.resolve("a"), tmp.resolve("c"), tmp.resolve("d")), configs.get(1).dirs());
    }

    @Test
    void aDeviceWithoutAnSsdOrAnSsdWithoutADirectoryIsAnError() {
        TeraioException e = assertThrows(TeraioException.class,
                () -> DeviceEngines.configs(TeraioConfig.defaults(), profile(2, ssd(0, "a", 0))));
        assertEquals("hardware profile: device 1 has no SSD; map one to it (ssds[].device = 1) or add one mapped to"
                + " any device (-1)", e.getMessage());
        HardwareProfile noDir = new HardwareProfile(List.of(new Device(0, G, G)),
                List.of(new Ssd(0, null, G, G, 0, -1)), 0);
        e = assertThrows(TeraioException.class, () -> DeviceEngines.configs(TeraioConfig.defaults(), noDir));
        assertEquals("hardware profile: ssd 0 has no directory; the engine of each device needs its SSDs' directories"
                + " (ssds[].directory)", e.getMessage());
    }

    @Test
    void eachEngineOffloadsIntoItsOwnDirectories() throws Exception {
        HardwareProfile hw = profile(2, ssd(0, "nvme0", 0), ssd(1, "nvme1", 1));
        TeraioConfig base = TeraioConfig.resolve(Map.of("deviceMemory", "8m", "hostMemory", "0",
                "io.preallocate", "0"), Map.of(), Map.of());
        try (DeviceEngines engines = DeviceEngines.open(base, hw)) {
            assertEquals(2, engines.size());
            for (int d = 0; d < 2; d++) {
                MigrationEngine engine = engines.engine(d);
                DeviceBuffer buffer = engine.memory().allocate(1 << 20, 0);
                TensorBytes.fill(buffer, d);
                engine.register("w", buffer);
                assertEquals(1 << 20, engine.offload("w", 0, false).join());
                assertEquals(1, runDirectories(tmp.resolve("nvme" + d)).size());
                TensorBytes.check(engine.acquire("w"), d, "device " + d);
            }
        }
        assertEquals(List.of(), runDirectories(tmp.resolve("nvme0")));
        assertEquals(List.of(), runDirectories(tmp.resolve("nvme1")));
    }

    @Test
    void enginesShareTheSsdsThatServeEveryDeviceEachInARunDirectoryOfItsOwn() throws Exception {
        HardwareProfile hw = profile(2, ssd(0, "shared", -1), ssd(1, "own1", 1), ssd(2, "own0", 0));
        TeraioConfig base = TeraioConfig.resolve(Map.of("deviceMemory", "8m", "hostMemory", "0",
                "io.preallocate", "0"), Map.of(), Map.of());
        try (DeviceEngines engines = DeviceEngines.open(base, hw)) {
            assertEquals(List.of(tmp.resolve("shared"), tmp.resolve("own0")), engines.config(0).dirs());
            assertEquals(List.of(tmp.resolve("shared"), tmp.resolve("own1")), engines.config(1).dirs());
            for (int d = 0; d < 2; d++) {
                MigrationEngine engine = engines.engine(d);
                DeviceBuffer buffer = engine.memory().allocate(1 << 20, 0);
                TensorBytes.fill(buffer, d);
                engine.register("w", buffer);
                assertEquals(1 << 20, engine.offload("w", 0, false).join()); // engine SSD 0: the shared one
            }
            assertEquals(2, runDirectories(tmp.resolve("shared")).size());
            for (int d = 0; d < 2; d++) {
                TensorBytes.check(engines.engine(d).acquire("w"), d, "device " + d);
            }
        }
        assertEquals(List.of(), runDirectories(tmp.resolve("shared")));
    }

    @Test
    void aDevicesPlanIsRenumberedToItsEnginesSsdsAndAnSsdItLacksIsAnError() {
        HardwareProfile hw = profile(2, ssd(0, "shared", -1), ssd(1, "own1", 1), ssd(2, "own0", 0));
        TeraioConfig base = TeraioConfig.resolve(Map.of("deviceMemory", "8m", "hostMemory", "0",
                "io.preallocate", "0"), Map.of(), Map.of());
        Plan plan = new Plan("sha", 4, hw, "teraio", List.of(
                entry(PlanAction.OFFLOAD, PlanTarget.SSD, 2), entry(PlanAction.PREFETCH, PlanTarget.SSD, 2),
                entry(PlanAction.OFFLOAD, PlanTarget.SSD, 0), entry(PlanAction.OFFLOAD, PlanTarget.HOST, 0)), null);
        try (DeviceEngines engines = DeviceEngines.open(base, hw)) {
            assertEquals(List.of(0, 2), engines.ssds(0).stream().map(Ssd::id).toList());
            assertEquals(List.of(1, 1, 0, 0), engines.enginePlan(0, plan).entries().stream().map(PlanEntry::ssd)
                    .toList());
            TeraioException e = assertThrows(TeraioException.class, () -> engines.enginePlan(1, plan));
            assertEquals("device 1's plan sends tensor 7 ('t7') to ssd 2, which device 1's engine does not have (its"
                    + " SSDs: [0, 1])", e.getMessage());
        }
    }

    private static PlanEntry entry(PlanAction action, PlanTarget target, int ssd) {
        return new PlanEntry(7, "t7", action, target, ssd, 1, 3, false);
    }

    private HardwareProfile profile(int devices, Ssd... ssds) {
        return new HardwareProfile(Stream.iterate(0, i -> i + 1).limit(devices).map(i -> new Device(i, G, G)).toList(),
                List.of(ssds), 0);
    }

    private Ssd ssd(int id, String dir, int device) {
        return new Ssd(id, tmp.resolve(dir).toString(), G, G, 0, device);
    }

    private static List<Path> runDirectories(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().startsWith(RunDirectory.PREFIX)).toList();
        }
    }
}
