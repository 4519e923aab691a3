package io.teraio.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.teraio.agent.AgentOptions;
import io.teraio.core.session.AgentStats;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.FaultyBackend;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.storage.HostDeviceMemory;
import io.teraio.core.storage.HostStorageBackend;
import io.teraio.core.storage.StorageBackend;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The budget in auto mode when the storage is slower than the plan assumed: the agent runs in
 * this JVM on a real DJL training loop (the hooks attached as in {@link HooksTest}), with an
 * engine whose writes take longer than the hardware preset it planned with says. Every prefetch
 * and every array brought back must then wait for confirmed writes to release their staging
 * buffers instead of taking memory the plan expected to be free.
 */
class AgentBudgetTest {
    private static final int STEPS = 8;
    private static Instrumentation inst;
    private static ClassFileTransformer transformer;
    private static final List<String> HOOK_ERRORS = new ArrayList<>();

    @BeforeAll
    static void attach() {
        inst = ByteBuddyAgent.install();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            m.create(1f).add(1f);
        }
        transformer = Hooks.install(inst, HOOK_ERRORS::add);
    }

    @AfterAll
    static void detach() {
        Dispatch.install(null);
        inst.removeTransformer(transformer);
    }

    @Test
    void slowWritesMakePrefetchesWaitAndTheBudgetHolds(@TempDir Path dir) throws Exception {
        long[] stateBytes = new long[1];
        List<Integer> plain = train(stateBytes);
        // 90% of parameters, gradients and AdamW's two moments: well under the peak of about 4.7 times
        // the parameters (gradient copies, activations), so only offloading the moments meets it
        long budget = 4 * stateBytes[0] * 9 / 10;
        AgentOptions options = AgentOptions.parse("mode=auto,warmup=1,iterations=2,hardware=g10,hostMemory=0"
                + ",deviceMemory=" + budget + ",dirs=" + dir + ",out=" + dir.resolve("trace.json.gz")
                + ",stats=" + dir.resolve("stats.json"));
        List<StorageBackend> backends = new ArrayList<>();
        AgentRuntime runtime = new AgentRuntime(options, "test", config -> slowEngine(config, backends));
        Dispatch.install(runtime);
        List<Integer> offloaded;
        try {
            offloaded = train(new long[1]);
        } finally {
            Dispatch.install(null);
            runtime.close();
            backends.forEach(StorageBackend::close);
        }
        AgentStats stats = runtime.finalStats();
        assertEquals(List.of(), HOOK_ERRORS);
        assertNull(stats.error(), stats.toString());
        assertEquals(plain, offloaded, "offloading must not change a single loss bit");
        assertTrue(stats.planEntries() > 0 && stats.bytesPrefetched() > 0, "the plan moved the moments: " + stats);
        assertTrue(stats.stallNanos() > 0, "the slow writes were waited for: " + stats);
        assertTrue(stats.peakResidentBytes() <= budget, "peak " + stats.peakResidentBytes() + " over the budget "
                + budget + ": " + stats);
    }

    /** An engine whose SSD writes take 40 ms each: far slower than the g10 preset the plan assumed. */
    private static MigrationEngine slowEngine(TeraioConfig config, List<StorageBackend> backends) {
        FaultyBackend ssd = new FaultyBackend(new HostStorageBackend(1L << 30));
        ssd.writeDelayMillis.set(40);
        backends.add(ssd);
        return new MigrationEngine(new IoEngine(List.of(ssd), null, config),
                new HostDeviceMemory(config.deviceMemoryBytes()));
    }

    /** Trains DJL's Mlp with AdamW on seeded data; returns each step's loss bits, and the parameters' bytes. */
    private static List<Integer> train(long[] parameterBytes) throws Exception {
        Engine.getEngine("PyTorch").setRandomSeed(42);
        int batch = 16;
        Shape input = new Shape(batch, 256);
        Random random = new Random(7);
        List<Integer> losses = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             Model model = Model.newInstance("mlp", "PyTorch")) {
            model.setBlock(new Mlp(256, 10, new int[] {1024, 1024, 1024, 1024}));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optInitializer(new NormalInitializer(0.05f), Parameter.Type.WEIGHT)
                    .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(input);
                for (var p : model.getBlock().getParameters().values()) {
                    parameterBytes[0] += p.getArray().size() * 4;
                }
                for (int step = 0; step < STEPS; step++) {
                    float[] x = new float[batch * 256];
                    float[] y = new float[batch];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) random.nextGaussian();
                    }
                    for (int i = 0; i < y.length; i++) {
                        y[i] = random.nextInt(10);
                    }
                    try (NDManager stepManager = manager.newSubManager()) {
                        NDArray data = stepManager.create(x, input);
                        NDArray labels = stepManager.create(y, new Shape(batch));
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList predictions = trainer.forward(new NDList(data));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(labels), predictions);
                            gc.backward(loss);
                            losses.add(Float.floatToRawIntBits(loss.getFloat()));
                        }
                        trainer.step();
                    }
                }
            }
        }
        return losses;
    }
}
