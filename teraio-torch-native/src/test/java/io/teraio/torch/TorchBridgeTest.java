package io.teraio.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.engine.IoEngine;
import io.teraio.core.engine.Placement;
import io.teraio.core.storage.PosixStorageBackend;
import io.teraio.core.storage.RunDirectory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge on real DJL arrays in this JVM: it loads and passes its self-check; a storage's
 * bytes go to an O_DIRECT file through the I/O engine's staging buffers and come back bit for
 * bit, with the memory freed in between; views share one handle, and count as references; misuse is refused with a
 * message; hooks on tensors without a gradient are refused, and a hook that throws fails
 * backward.
 */
class TorchBridgeTest {
    @TempDir
    Path dir;
    private NDManager manager;
    private TorchBridge bridge;

    @BeforeEach
    void open() {
        assertTrue(TorchBridge.availability().available(), TorchBridge.availability().reason());
        bridge = TorchBridge.load();
        manager = Engine.getEngine("PyTorch").newBaseManager(Device.cpu());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void loadsFromTheJarAndPassesItsSelfCheck() {
        String reason = TorchBridge.availability().reason();
        assertTrue(reason.startsWith("libteraio_torch.so from the jar"), reason);
        assertTrue(reason.endsWith("self-check passed on libtorch 2.7.1"), reason);
    }

    @Test
    void anEvictedStorageStreamsThroughTheEngineToAFileAndBackBitForBit() throws Exception {
        // 8 MiB + 12 bytes: not a multiple of the 1 MiB task size, nor of 4 KiB
        NDArray a = manager.arange(0f, 2f * 1024 * 1024 + 3).mul(0.37f).sin();
        float[] before = a.toFloatArray();
        long bytes = before.length * 4L;
        TeraioConfig config = TeraioConfig.resolve(Map.of("io.taskSize", "1m", "io.stagingBuffers", "2",
                "io.threads", "2", "verify", "true"), Map.of(), Map.of());
        try (RunDirectory run = RunDirectory.create(dir);
             PosixStorageBackend ssd = new PosixStorageBackend(run, 0, 0);
             IoEngine io = new IoEngine(List.of(ssd), null, config);
             TorchStorage s = bridge.storage(a)) {
            assertEquals(bytes, s.bytes());
            assertTrue(s.evictable(), s.whyNotEvictable());
            Placement p = io.allocate(bytes, 0);
            assertEquals(bytes, io.write("a", p, s, false).join());
            assertEquals(bytes, s.release());
            assertEquals(TorchStorage.State.EVICTED, s.state());
            assertArrayEquals(new long[] {0, 0}, s.nativeState(), "no memory and no bytes once evicted");
            s.allocate();
            assertEquals(0, s.hostView(0, 4096).alignmentOffset(0, 4096), "restored memory is page-aligned");
            assertEquals(bytes, io.read("a", p, s, false).join()); // straight into it, but for the last 12 bytes
            s.restored();
            io.release(p);
            // a second round trip, from and into page-aligned memory: O_DIRECT with no staging copy
            Placement again = io.allocate(bytes, 0);
            assertEquals(bytes, io.write("a", again, s, false).join());
            s.release();
            assertEquals(null, s.hostView(0, 4096), "no view of an evicted storage");
            s.allocate();
            assertEquals(bytes, io.read("a", again, s, false).join());
            s.restored();
            io.release(again);
        }
        assertArrayEquals(before, a.toFloatArray());
        assertEquals(manager.create(before).sum().getFloat(), a.sum().getFloat(), "a kernel reads the restored bytes");
    }

    @Test
    void pinnedMemoryOutlivesItsStorageUntilTheLastUnpinAndPytorchsOwnHasNoView() throws Exception {
        long deferred = TorchStorage.deferredFrees();
        NDArray a = manager.arange(0f, 300_000f).mul(0.5f); // PyTorch's memory: copied, never viewed
        float[] before = a.toFloatArray();
        try (TorchStorage s = bridge.storage(a)) {
            assertNull(s.hostView(0, 4096), "no view of PyTorch's own memory, which a free could take from under it");
            assertEquals(0, s.pin(), "nothing of teraio's to pin");
            ByteBuffer out = ByteBuffer.allocateDirect((int) s.bytes());
            s.copyToHost(0, out);
            s.release();
            s.allocate();
            out.flip();
            s.copyFromHost(0, out);
            s.restored();
            long pin = s.pin(); // teraio's block now, viewed straight by the engine
            assertTrue(pin != 0);
            assertEquals(0, s.hostView(0, 4096).alignmentOffset(0, 4096));
            long second = s.pin();
            s.release(); // its DataPtr lets the block go while I/O holds it: the free waits
            assertEquals(deferred + 1, TorchStorage.deferredFrees());
            TorchStorage.unpin(pin);
            assertEquals(deferred + 1, TorchStorage.deferredFrees(), "one pin is left");
            TorchStorage.unpin(second);
            assertEquals(deferred, TorchStorage.deferredFrees(), "freed with the last pin");
            s.allocate();
            s.copyFromHost(0, out.rewind());
            s.restored();
        }
        assertArrayEquals(before, a.toFloatArray());
    }

    @Test
    void aRestoredStoragesMemoryIsKeptOnEvictionAndReusedForOneOfItsSize() throws Exception {
        NDArray a = manager.arange(0f, 300_000f).mul(0.5f); // 1,200,000 bytes: 293 pages
        NDArray b = manager.arange(0f, 300_000f).mul(-2f);
        NDArray c = manager.arange(0f, 1000f);
        float[] bBefore = b.toFloatArray();
        try (PageBlocks blocks = new PageBlocks();
             TorchStorage sa = bridge.storage(a);
             TorchStorage sb = bridge.storage(b);
             TorchStorage sc = bridge.storage(c)) {
            long bytes = sa.bytes();
            sa.release(blocks);
            assertEquals(0, blocks.bytes(), "PyTorch's own memory is freed, not kept");
            sa.allocate(blocks);
            long address = sa.nativeState()[0];
            sa.copyFromHost(0, ByteBuffer.allocateDirect((int) bytes)); // zeros, whatever the block held
            sa.restored();
            sa.release(blocks);
            assertEquals(PageBlocks.capacity(bytes), blocks.bytes(), "teraio's page-aligned memory is kept");
            assertTrue(blocks.has(sb.bytes()) && !blocks.has(sc.bytes()));
            sc.release(blocks);
            sc.allocate(blocks);
            assertEquals(PageBlocks.capacity(bytes), blocks.bytes(), "another size gets new memory");
            // b's bytes out, its memory freed, and read back into a's old block
            java.nio.ByteBuffer saved = ByteBuffer.allocateDirect((int) bytes);
            sb.copyToHost(0, saved);
            sb.release(blocks);
            sb.allocate(blocks);
            assertEquals(address, sb.nativeState()[0], "the block kept is reused");
            assertEquals(0, blocks.bytes());
            assertEquals(1, blocks.reuses());
            sb.copyFromHost(0, saved.flip());
            sb.restored();
            sa.allocate(blocks);
            sa.restored();
            sa.release(blocks);
            sc.copyFromHost(0, ByteBuffer.allocateDirect((int) sc.bytes()));
            sc.restored();
            sc.release(blocks);
            assertEquals(PageBlocks.capacity(bytes) + PageBlocks.capacity(sc.bytes()), blocks.bytes());
            assertEquals(PageBlocks.capacity(sc.bytes()), blocks.trim(1, bytes), "the smallest block that frees enough,"
                    + " sparing one for a storage of a's size");
            assertEquals(0, blocks.trim(1, bytes), "the last block of the spared size stays");
            assertEquals(PageBlocks.capacity(bytes), blocks.trim(1, 0));
            assertEquals(0, blocks.bytes());
            sa.allocate(blocks);
            sa.copyFromHost(0, ByteBuffer.allocateDirect((int) bytes));
            sa.restored();
            sc.allocate(blocks);
            sc.copyFromHost(0, ByteBuffer.allocateDirect((int) sc.bytes()));
            sc.restored();
        }
        assertArrayEquals(bBefore, b.toFloatArray(), "b's bytes came back in the reused block");
        assertEquals(0f, a.sum().getFloat());
    }

    @Test
    void viewsOfOneStorageShareItsKeyAndHandle() {
        NDArray a = manager.arange(0f, 1024f).add(1f);
        NDArray view = a.get("10:20");
        NDArray other = manager.arange(0f, 1024f).add(1f);
        assertEquals(bridge.storageKey(a), bridge.storageKey(view));
        assertNotEquals(bridge.storageKey(a), bridge.storageKey(other));
        try (TorchStorage s = bridge.storage(a)) {
            assertSame(s, bridge.storage(view), "one handle, and one state, per storage");
            assertEquals(4096, bridge.storage(view).bytes(), "the storage's bytes, not the view's");
        }
        try (TorchStorage again = bridge.storage(view)) {
            assertFalse(again.isClosed(), "a closed handle is forgotten: the next call opens a new one");
            assertEquals(2, again.references(), "the array and its view");
            view.close();
            assertEquals(1, again.references(), "the array alone");
            TorchBridge.TensorInfo info = bridge.info(a);
            assertEquals(again.key(), info.storageKey());
            assertEquals(4096, info.storageBytes());
            assertTrue(info.evictable() && !info.requiresGrad(), info.toString());
        }
    }

    @Test
    void versionCountersTellAWeightAdamUpdatesFromOneForwardAndBackwardOnlyRead() {
        assertEquals(null, bridge.versionsUntracked(), "the version self-check");
        Block linear = Linear.builder().setUnits(8).build();
        linear.initialize(manager, DataType.FLOAT32, new Shape(2, 16));
        NDArray weight = linear.getParameters().get("weight").getArray();
        NDArray x = manager.randomNormal(new Shape(2, 16));
        long before = bridge.version(weight);
        NDArray grad;
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray y = linear.forward(new ai.djl.training.ParameterStore(manager, false),
                    new ai.djl.ndarray.NDList(x), true).singletonOrThrow();
            collector.backward(y.sum());
            grad = weight.getGradient();
        }
        assertEquals(before, bridge.version(weight), "forward and backward only read the weight");
        long gradVersion = bridge.version(grad);
        ai.djl.training.optimizer.Optimizer adam = ai.djl.training.optimizer.Optimizer.adam().build();
        adam.update("weight", weight, grad);
        assertNotEquals(before, bridge.version(weight), "Adam's update changes the weight in place");
        grad.subi(grad);
        assertNotEquals(gradVersion, bridge.version(grad), "zeroing a gradient in place changes it");
    }

    @Test
    void theParametersDjlInitializesAreEvictable() {
        Block linear = Linear.builder().setUnits(8).build();
        linear.initialize(manager, DataType.FLOAT32, new Shape(2, 16));
        int n = 0;
        for (Pair<String, Parameter> p : linear.getParameters()) {
            try (TorchStorage s = bridge.storage(p.getValue().getArray())) {
                assertTrue(s.evictable(), p.getKey() + ": " + s.whyNotEvictable());
                n++;
            }
        }
        assertEquals(2, n, "weight and bias");
    }

    @Test
    void misuseIsRefusedWithAMessage() {
        NDArray a = manager.arange(0f, 256f).add(1f);
        java.nio.ByteBuffer out = ByteBuffer.allocateDirect(1024);
        try (TorchStorage s = bridge.storage(a)) {
            IllegalStateException early = assertThrows(IllegalStateException.class,
                    () -> s.copyFromHost(0, out.duplicate()));
            assertTrue(early.getMessage().endsWith("it is RESIDENT, not RESTORING"), early.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> s.copyToHost(1, out.duplicate()));
            assertThrows(IllegalArgumentException.class, () -> s.copyToHost(0, ByteBuffer.allocate(16)));
            s.copyToHost(0, out.duplicate());
            s.release();
            IllegalStateException twice = assertThrows(IllegalStateException.class, s::release);
            assertTrue(twice.getMessage().startsWith("evict storage "), twice.getMessage());
            assertTrue(twice.getMessage().endsWith("it is EVICTED, not RESIDENT (evicted twice?)"), twice.getMessage());
            assertThrows(IllegalStateException.class, () -> s.copyToHost(0, out.duplicate()));
            assertThrows(IllegalStateException.class, s::restored);
            s.allocate();
            assertThrows(IllegalStateException.class, s::allocate);
            s.copyFromHost(0, out.duplicate());
            s.restored();
        }
        assertEquals(32896f, a.sum().getFloat());

        NDArray fromJava = manager.create(new float[] {1, 2, 3});
        try (TorchStorage s = bridge.storage(fromJava)) {
            assertFalse(s.evictable());
            TorchBridgeException e = assertThrows(TorchBridgeException.class, s::release);
            assertTrue(e.getMessage().endsWith("the storage has no allocator (a tensor made from a Java buffer,"
                    + " NDManager.create): not evictable"), e.getMessage());
        }
        TorchStorage closed = bridge.storage(a);
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, closed::release);
    }

    @Test
    void hooksNeedAGradientAndAThrowingHookFailsBackward() {
        NDArray plain = manager.arange(0f, 4f).add(1f);
        TorchBridgeException e = assertThrows(TorchBridgeException.class,
                () -> bridge.registerHook(plain, 3, id -> { }));
        assertTrue(e.getMessage().startsWith("register backward hook 3 on array "), e.getMessage());
        assertTrue(e.getMessage().endsWith("the tensor does not require a gradient (no backward node will reach it)"
                + " (code -7)"), e.getMessage());

        NDArray w = manager.arange(0f, 4f).add(1f);
        w.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray y = w.mul(2f);
            bridge.registerHook(y, 5, id -> {
                throw new IllegalStateException("hook " + id + " refused");
            });
            NDArray loss = y.sum();
            EngineException thrown = assertThrows(EngineException.class, () -> gc.backward(loss));
            assertTrue(thrown.getMessage().contains("teraio backward hook 5: java.lang.IllegalStateException: hook 5"
                    + " refused"), thrown.getMessage());
        }
        assertEquals(new Shape(4), w.getShape());
    }
}
