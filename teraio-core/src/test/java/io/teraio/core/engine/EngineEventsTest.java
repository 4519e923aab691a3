package io.teraio.core.engine;

import static io.teraio.core.engine.EngineTesting.MIB;
import static io.teraio.core.engine.EngineTesting.await;
import static io.teraio.core.engine.EngineTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.DeviceBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java Flight Recorder recording of a short engine run over real O_DIRECT files, read back
 * as JDK Mission Control would: one event per offload, prefetch, miss and stall, each with
 * the tensor's key, its bytes, the SSD and a duration.
 */
class EngineEventsTest {
    @TempDir
    Path tmp;

    @Test
    void aRecordingHoldsOffloadsPrefetchesMissesAndStalls() throws Exception {
        Path jfr = tmp.resolve("engine.jfr");
        try (Recording recording = new Recording()) {
            for (String name : List.of("io.teraio.Offload", "io.teraio.Prefetch", "io.teraio.Miss", "io.teraio.Stall")) {
                recording.enable(name).withThreshold(Duration.ZERO);
            }
            recording.start();
            try (MigrationEngine engine = MigrationEngine.open(config("dirs", tmp.resolve("ssd").toString(),
                    "deviceMemory", "64m", "io.preallocate", "16m"))) {
                DeviceBuffer b = engine.memory().allocate(4 * MIB, 0);
                TensorBytes.fill(b, TensorBytes.seed("layer0.weight", 0));
                engine.register("layer0.weight", b);
                // Offloaded, then needed with no prefetch: a miss, and the acquire stalls on it.
                assertEquals(4 * MIB, await(engine.offload("layer0.weight", 0, false)));
                engine.acquire("layer0.weight");
                // Offloaded and prefetched in time: no stall.
                assertEquals(4 * MIB, await(engine.offload("layer0.weight", 0, true)));
                assertEquals(4 * MIB, await(engine.prefetch("layer0.weight", false)));
                engine.acquire("layer0.weight");
            }
            recording.stop();
            recording.dump(jfr);
        }

        Map<String, List<RecordedEvent>> events = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().startsWith("io.teraio."))
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        List<RecordedEvent> offloads = events.getOrDefault("io.teraio.Offload", List.of());
        assertEquals(2, offloads.size(), events.toString());
        for (RecordedEvent e : offloads) {
            assertIo(e);
        }
        assertEquals(List.of(false, true), offloads.stream().sorted(Comparator.comparing(RecordedEvent::getStartTime))
                .map(e -> e.getBoolean("urgent")).toList(), "in the order they were issued");
        assertEquals(1, events.getOrDefault("io.teraio.Prefetch", List.of()).size(), events.toString());
        assertIo(events.get("io.teraio.Prefetch").get(0));
        assertEquals(1, events.getOrDefault("io.teraio.Miss", List.of()).size(), events.toString());
        RecordedEvent miss = events.get("io.teraio.Miss").get(0);
        assertIo(miss);
        assertTrue(miss.getBoolean("urgent"), "a miss is fetched urgently");

        List<RecordedEvent> stalls = events.getOrDefault("io.teraio.Stall", List.of());
        assertEquals(1, stalls.size(), "only the acquire that waited: " + events);
        RecordedEvent stall = stalls.get(0);
        assertEquals("layer0.weight", stall.getString("key"));
        assertEquals(4 * MIB, stall.getLong("bytes"));
        assertEquals("miss", stall.getString("waitedFor"));
        assertEquals(0, stall.getInt("ssd"));
        assertTrue(stall.getDuration().toNanos() >= miss.getDuration().toNanos() / 2,
                "the stall " + stall.getDuration() + " is about the miss's read " + miss.getDuration());
        assertNotNull(stall.getStackTrace(), "a stall says where training waited");
    }

    private static void assertIo(RecordedEvent e) {
        assertEquals("layer0.weight", e.getString("key"), e.toString());
        assertEquals(4 * MIB, e.getLong("bytes"), e.toString());
        assertEquals(0, e.getInt("ssd"), e.toString());
        assertTrue(e.getBoolean("succeeded"), e.toString());
        assertTrue(e.getDuration().toNanos() > 0, e.toString());
    }
}
