package io.teraio.torch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.Placement;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What {@link TorchBridgeIT} runs in a child JVM; prints its findings as {@code key value} lines.
 * <ul>
 *   <li>{@code availability}: the bridge's availability and reason;</li>
 *   <li>{@code rss <dir>}: evicts a 64 MiB activation that autograd holds ({@code tanh}'s saved
 *       output) and the 32 MiB weight it came from to an O_DIRECT file in {@code dir} through the
 *       I/O engine, reading VmRSS before and after each, restores both, runs backward, and
 *       compares the weight's gradient with that of the same step run without eviction.</li>
 * </ul>
 */
public final class BridgeChild {
    private static final long MIB = 1024 * 1024;

    private BridgeChild() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("availability")) {
            System.out.println("available " + TorchBridge.availability().available());
            System.out.println("reason " + TorchBridge.availability().reason());
            return;
        }
        Path dir = Path.of(args[1]);
        TorchBridge bridge = TorchBridge.load();
        Engine engine = Engine.getEngine("PyTorch");
        float[] plainGradient = step(engine, bridge, null);
        TeraioConfig config = TeraioConfig.resolve(Map.of("io.taskSize", "1m", "io.stagingBuffers", "4",
                "io.threads", "1"), Map.of(), Map.of());
        try (RunDirectory run = RunDirectory.create(dir);
             PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 128 * MIB);
             IoEngine io = new IoEngine(List.of(ssd), null, config)) {
            float[] evictedGradient = step(engine, bridge, io);
            System.out.println("gradientBitwiseEqual " + Arrays.equals(plainGradient, evictedGradient));
        }
    }

    /** One forward and backward step; with {@code io}, activation and weight are evicted and restored in between. */
    private static float[] step(Engine engine, TorchBridge bridge, IoEngine io) throws IOException {
        try (NDManager m = engine.newBaseManager(Device.cpu());
             GradientCollector gc = engine.newGradientCollector()) {
            NDArray w = m.arange(0f, 2048f * 4096).reshape(2048, 4096).mul(1e-6f).sin(); // 32 MiB
            w.setRequiresGradient(true);
            NDArray scale = m.arange(1f, 3f).reshape(2, 1, 1);
            NDArray h = w.mul(scale);                      // 64 MiB; mul keeps w and scale for backward
            NDArray activation = h.tanh();                 // 64 MiB; tanh keeps its output for backward
            h.close();                                     // nothing else holds h: its memory goes now
            NDArray loss = activation.sum();
            if (io != null) {
                warmUp(m, bridge, io);
                long rss0 = rssBytes();
                Placement pa = evict(bridge.storage(activation), io);
                long rss1 = rssBytes();
                Placement pw = evict(bridge.storage(w), io);
                long rss2 = rssBytes();
                restore(bridge.storage(activation), io, pa);
                restore(bridge.storage(w), io, pw);
                long rss3 = rssBytes();
                System.out.println("activationBytes " + activation.size() * 4);
                System.out.println("weightBytes " + w.size() * 4);
                System.out.println("rssDropActivation " + (rss0 - rss1));
                System.out.println("rssDropWeight " + (rss1 - rss2));
                System.out.println("rssRiseRestore " + (rss3 - rss2));
            }
            gc.backward(loss);
            return w.getGradient().toFloatArray();
        }
    }

    /** The engine's buffers and threads exist before the first measurement. */
    private static void warmUp(NDManager m, TorchBridge bridge, IoEngine io) {
        NDArray small = m.arange(0f, 1024f * 1024).add(1f);
        restore(bridge.storage(small), io, evict(bridge.storage(small), io));
    }

    private static Placement evict(TorchStorage s, IoEngine io) {
        Placement p = io.allocate(s.bytes(), 0);
        io.write(s.toString(), p, s, true).join();
        s.release();
        return p;
    }

    private static void restore(TorchStorage s, IoEngine io, Placement p) {
        try (s) {
            s.allocate();
            io.read(s.toString(), p, s, true).join();
            s.restored();
            io.release(p);
        }
    }

    /** VmRSS from /proc/self/status. */
    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("/proc/self/status has no VmRSS line");
    }
}
