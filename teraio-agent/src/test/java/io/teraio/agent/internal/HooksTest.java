package io.teraio.agent.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.teraio.agent.AgentOptions;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per hook, on real DJL / PyTorch objects in this JVM: the agent's transformer is
 * attached to it (classes DJL already loaded are retransformed) and a recording listener takes
 * the events. The access hook's test offloads an array for real (bytes to a buffer, native
 * tensor deleted) and checks it comes back in place with identical bytes.
 */
class HooksTest {
    private static Instrumentation inst;
    private static ClassFileTransformer transformer;
    private static final List<String> HOOK_ERRORS = new ArrayList<>();

    private final Recording events = new Recording();
    private NDManager manager;

    /** Records every event; restores arrays it was told are offloaded. */
    private static final class Recording implements Dispatch.Listener {
        final List<Object> created = new ArrayList<>();
        final List<Object> closing = new ArrayList<>();
        final List<String> ops = new ArrayList<>();
        final List<Object[]> opArgs = new ArrayList<>();
        final List<Object> steps = new ArrayList<>();
        final Map<Object, DeviceBuffer> offloaded = new IdentityHashMap<>();
        Dispatch.Events wanted = Dispatch.Events.OPS_WITH_ARGUMENTS;
        int exits;
        int missing;

        @Override
        public Dispatch.Events events() {
            return wanted;
        }

        @Override
        public void arrayCreated(Object array) {
            created.add(array);
        }

        @Override
        public void arrayClosing(Object array) {
            closing.add(array);
        }

        @Override
        public void handleMissing(Object resource) {
            DeviceBuffer buffer = offloaded.remove(resource);
            if (buffer != null) {
                missing++;
                DjlArrays.reattach(resource, ((TensorBuffer) buffer).takeHandle());
                buffer.close();
            }
        }

        @Override
        public boolean isOffloaded(Object resource) {
            return offloaded.containsKey(resource);
        }

        @Override
        public int opEnter(String name, Object[] args) {
            ops.add(name);
            opArgs.add(args);
            return 1;
        }

        @Override
        public void opExit(int token) {
            exits++;
        }

        @Override
        public void stepDone(Object trainer) {
            steps.add(trainer);
        }
    }

    @BeforeAll
    static void attach() {
        inst = ByteBuddyAgent.install();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            m.create(1f).add(1f); // loads DJL's classes first: the hooks must retransform them
        }
        // as when the agent is attached at run time: a Trainer loaded before the hooks, whose
        // retransformation must not keep Parameter (which its methods name) from being hooked
        assertEquals("ai.djl.training.Trainer", Trainer.class.getName());
        transformer = Hooks.install(inst, HOOK_ERRORS::add);
    }

    @AfterAll
    static void detach() {
        Dispatch.install(null);
        inst.removeTransformer(transformer);
    }

    @BeforeEach
    void listen() {
        assertEquals(List.of(), HOOK_ERRORS);
        manager = NDManager.newBaseManager("PyTorch");
        Dispatch.install(events);
    }

    @AfterEach
    void stop() {
        Dispatch.install(null);
        manager.close();
    }

    @Test
    void creationHookSeesEveryNewArray() {
        NDArray a = manager.create(new float[] {1, 2, 3});
        NDArray b = a.mul(2);
        assertTrue(events.created.stream().anyMatch(o -> o == a), "manager.create");
        assertTrue(events.created.stream().anyMatch(o -> o == b), "an op's output");
    }

    @Test
    void releaseHookSeesClose() {
        NDArray a = manager.create(new float[] {1, 2, 3});
        a.close();
        assertEquals(1, events.closing.stream().filter(o -> o == a).count());
    }

    @Test
    void opHookNamesTheOpAndItsArraysButNotMetadataReads() {
        NDArray a = manager.create(new float[] {1, 2, 3});
        NDArray b = manager.create(new float[] {4, 5, 6});
        events.ops.clear();
        events.opArgs.clear();
        events.exits = 0;
        a.getShape();
        NDArray c = a.add(b);
        assertEquals(List.of("add"), events.ops);
        List<Object> used = new ArrayList<>();
        for (Object arg : events.opArgs.get(0)) {
            DjlArrays.collect(arg, used);
        }
        assertEquals(2, used.size());
        assertSame(a, used.get(0));
        assertSame(b, used.get(1));
        assertEquals(1, events.exits);
        assertArrayEquals(new float[] {5, 7, 9}, c.toFloatArray());
    }

    @Test
    void anOpThatThrowsEndsToo() {
        NDArray a = manager.ones(new Shape(2, 3));
        NDArray b = manager.ones(new Shape(2, 3));
        int ops = events.ops.size();
        int exits = events.exits;
        assertThrows(ai.djl.engine.EngineException.class, () -> a.matMul(b), "shapes that do not multiply");
        List<String> began = events.ops.subList(ops, events.ops.size());
        assertTrue(began.contains("matmul"), "the op that threw began: " + began);
        assertEquals(began.size(), events.exits - exits, "every op that began ended, the one that threw too");
    }

    @Test
    void aListenerGetsOnlyTheEventsItWants() {
        NDArray a = manager.create(new float[] {1, 2, 3});
        NDArray b = manager.create(new float[] {4, 5, 6});
        events.wanted = Dispatch.Events.OPS;
        Dispatch.eventsChanged();
        events.ops.clear();
        events.opArgs.clear();
        events.created.clear();
        NDArray c = a.add(b);
        assertEquals(List.of("add"), events.ops);
        assertNull(events.opArgs.get(0), "no arguments built for a listener that does not want them");
        assertTrue(events.created.stream().anyMatch(o -> o == c));

        events.wanted = Dispatch.Events.STEPS;
        Dispatch.eventsChanged();
        events.ops.clear();
        events.created.clear();
        events.closing.clear();
        events.exits = 0;
        NDArray d = a.add(b);
        d.close();
        assertEquals(List.of(), events.ops, "an idle listener sees no op");
        assertEquals(List.of(), events.created);
        assertEquals(List.of(), events.closing);
        assertEquals(0, events.exits);
        assertArrayEquals(new float[] {5, 7, 9}, c.toFloatArray());
    }

    @Test
    void arrayBytesAreElementsTimesElementSizeForEveryType() {
        assertEquals(64 * 33 * 4, DjlArrays.bytes(manager.randomNormal(new Shape(64, 33))));
        assertEquals(8, DjlArrays.bytes(manager.create(7L)), "a scalar");
        assertEquals(5 * 8, DjlArrays.bytes(manager.zeros(new Shape(5), DataType.FLOAT64)));
        assertEquals(3 * 2 * 2, DjlArrays.bytes(manager.zeros(new Shape(3, 2), DataType.FLOAT16)));
        assertEquals(7, DjlArrays.bytes(manager.create(new boolean[] {true, false, true, true, false, true, true})));
        assertEquals(4 * 4, DjlArrays.bytes(manager.create(new int[] {1, 2, 3, 4})));
        assertEquals(0, DjlArrays.bytes(manager.zeros(new Shape(0, 5))), "no elements");
        NDArray closed = manager.ones(new Shape(2));
        closed.close();
        assertEquals(0, DjlArrays.bytes(closed), "a released array holds nothing");
        for (NDArray a : List.of(manager.randomNormal(new Shape(3, 1, 7)), manager.arange(10).reshape(2, 5))) {
            assertEquals(a.getShape().size() * a.getDataType().getNumOfBytes(), DjlArrays.bytes(a),
                    "as DJL counts it: " + a.getShape() + " " + a.getDataType());
        }
    }

    @Test
    void accessHookRestoresAnOffloadedArrayInPlaceWithIdenticalBytes() {
        NDArray a = manager.randomNormal(new Shape(64, 33));
        byte[] before = DjlArrays.contents(a);
        long bytes = DjlArrays.bytes(a);
        assertEquals(64 * 33 * 4, bytes);
        try (HostDeviceMemory memory = new HostDeviceMemory(1 << 20)) {
            DeviceBuffer buffer = memory.tryAllocate(bytes);
            int[] closed = new int[1];
            TensorBuffer detached = DjlArrays.detach(a, () -> closed[0]++);
            assertFalse(DjlArrays.hasHandle(a), "the native tensor is taken out");
            assertEquals(bytes, detached.bytes(), "the buffer is the tensor's own bytes");
            buffer.copyFromHost(0, detached.hostView(0, (int) bytes)); // what the offload's write and read do
            detached.close(); // the write is confirmed: the tensor is deleted
            assertEquals(1, closed[0]);
            assertThrows(IllegalStateException.class, () -> detached.hostView(0, 8), "deleted: its bytes are gone");
            TensorBuffer landing = DjlArrays.emptyLike(a, () -> closed[0]++); // what a prefetch reads into
            assertEquals(bytes, landing.bytes());
            landing.copyFromHost(0, buffer.hostView(0, (int) bytes));
            buffer.close();
            events.offloaded.put(a, landing);
            assertFalse(a.isReleased(), "an offloaded array is not released");

            NDArray sum = a.add(1f); // getHandle restores it
            assertEquals(1, events.missing);
            assertTrue(DjlArrays.hasHandle(a));
            assertArrayEquals(before, DjlArrays.contents(a), "bytes come back identical");
            assertEquals(a.getShape(), sum.getShape());
            assertEquals(2, closed[0], "the landing buffer is closed once its tensor is the array's");
        }
        a.close();
        assertTrue(a.isReleased());
        assertThrows(IllegalStateException.class, () -> ((ai.djl.pytorch.engine.PtNDArray) a).getHandle(),
                "a closed array stays closed");
    }

    @Test
    void profileModeGoesIdleOnceItsIterationsAreRecorded(@TempDir Path dir) {
        AgentRuntime runtime = new AgentRuntime(AgentOptions.parse("mode=profile,warmup=1,iterations=2,dirs=" + dir
                + ",out=" + dir.resolve("trace.json.gz") + ",stats=" + dir.resolve("stats.json")), "test");
        List<Integer> opsPerStep = new ArrayList<>();
        int[] ops = new int[1];
        // counts the array and op events that reach the runtime, step by step
        Dispatch.install((Dispatch.Listener) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Dispatch.Listener.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "arrayCreated", "arrayClosing", "opEnter" -> ops[0]++;
                        case "stepDone" -> {
                            opsPerStep.add(ops[0]);
                            ops[0] = 0;
                        }
                        default -> { }
                    }
                    return method.invoke(runtime, args);
                }));
        trainMlp(6, trainer -> { });
        runtime.close();
        assertEquals(6, opsPerStep.size());
        assertTrue(opsPerStep.subList(0, 3).stream().allMatch(n -> n > 0), "warm-up and profiled steps: " + opsPerStep);
        assertEquals(List.of(0, 0, 0), opsPerStep.subList(3, 6), "after the profile, no array or op event: " + opsPerStep);
        assertEquals(6, runtime.finalStats().iterations(), "iterations are still counted");
        assertEquals(2, runtime.finalStats().profiledIterations());
        assertTrue(Files.isRegularFile(dir.resolve("trace.json.gz")));
    }

    /** Trains a small Mlp with Adam for {@code steps} steps, then hands the trainer to {@code after}. */
    private static void trainMlp(int steps, Consumer<Trainer> after) {
        Engine.getEngine("PyTorch").setRandomSeed(42); // the same weights whatever ran before
        try (Model model = Model.newInstance("mlp", "PyTorch")) {
            model.setBlock(new Mlp(8, 2, new int[] {4}));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(2, 8));
                NDManager m = trainer.getManager();
                for (int i = 0; i < steps; i++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(m.ones(new Shape(2, 8))));
                        gc.backward(trainer.getLoss().evaluate(new NDList(m.zeros(new Shape(2))), out));
                    }
                    trainer.step();
                }
                after.accept(trainer);
            }
        }
    }

    @Test
    void stepHookMarksTheIterationBoundaryAndParametersGetIdsInCreationOrder() {
        trainMlp(2, trainer -> {
            assertEquals(2, events.steps.size());
            assertSame(trainer, events.steps.get(0));
            List<String> ids = new ArrayList<>();
            trainer.getModel().getBlock().getParameters().forEach(p -> ids.add(p.getValue().getId()));
            assertTrue(ids.stream().allMatch(id -> id.startsWith("teraio-parameter-")), ids.toString());
            assertEquals(ids.size(), ids.stream().distinct().count(), "ids stay unique: " + ids);
            Map<String, Object> states = DjlArrays.optimizerStates(trainer);
            assertEquals(8, states.size(), "Adam: means and variances of two weights and two biases: " + states);
            assertNotNull(states.get("02Linear_weight.means"), states.keySet().toString());
            assertEquals(4, DjlArrays.parameters(trainer).size());
        });
    }
}
