package io.teraio.torch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the bridge relies on, checked on this libtorch at load, on test tensors of its own:
 * <ol>
 *   <li>an op's output has a CPU storage with an allocator, whose data address and byte size
 *       are those of DJL's own direct view of the tensor ({@code toByteBuffer});</li>
 *   <li>a view shares its base's storage key, its data offset within it as libtorch says;</li>
 *   <li>copy out, release (libtorch then sees no memory and 0 bytes), allocate, copy in:
 *       the tensor reads back its values, and a kernel ({@code sum}) computes from them;</li>
 *   <li>a backward hook on an op's output fires once, with its id, on the calling thread, and
 *       leaves the gradient as it was.</li>
 * </ol>
 * And, apart ({@link #versions}: only telling unchanged storages from changed ones rests on it),
 * that a tensor's version counter is read as libtorch keeps it.
 * Nothing of the caller's is touched: the tensors are its own, and the thread's grad mode is
 * put back as it was.
 */
final class SelfCheck {
    private static final int ELEMENTS = 4096;

    private SelfCheck() {
    }

    /** Null when every check passes, else what differed. */
    static String run(TorchBridge bridge, boolean broken) {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
            String failed = storageLayout(bridge, m, broken);
            return failed != null ? failed : hook(bridge, m);
        } catch (RuntimeException | LinkageError e) {
            return "it threw " + e;
        }
    }

    /**
     * Null when {@link TorchBridge#version} reads libtorch's version counters: a new op output
     * at 0; an in-place op on it (DJL's {@code addi}) and one on a view of it add 1 each; an op
     * making a new array, and the bridge's evict, copy in and restore, leave it as it was.
     * Else what differed.
     */
    static String versions(TorchBridge bridge) {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
            NDArray a = m.arange(0f, (float) ELEMENTS).add(1f);
            long[] seen = new long[5];
            seen[0] = bridge.version(a);
            a.addi(1f);
            seen[1] = bridge.version(a);
            a.get("0:10").muli(2f);
            seen[2] = bridge.version(a);
            a.add(1f).close();
            seen[3] = bridge.version(a);
            ByteBuffer out = ByteBuffer.allocateDirect(ELEMENTS * Float.BYTES).order(ByteOrder.nativeOrder());
            try (TorchStorage s = bridge.storage(a)) {
                s.copyToHost(0, out);
                s.release();
                s.allocate();
                s.copyFromHost(0, out.rewind());
                s.restored();
            }
            seen[4] = bridge.version(a);
            long[] expected = {0, 1, 2, 2, 2};
            return Arrays.equals(seen, expected) ? null : "a tensor's version counter read "
                    + Arrays.toString(seen) + " after: made, addi, muli of a view, add, evict and restore (expected "
                    + Arrays.toString(expected) + ")";
        } catch (RuntimeException | LinkageError e) {
            return "reading a version counter threw " + e;
        }
    }

    private static String storageLayout(TorchBridge bridge, NDManager m, boolean broken) {
        NDArray a = m.arange(0f, (float) ELEMENTS).add(1f); // an op's output: PyTorch's allocator
        long expectedBytes = (long) ELEMENTS * Float.BYTES + (broken ? 1 : 0);
        long[] d = TorchBridge.describe(TorchBridge.tensorHandle(a, "self-check"), a);
        if (d[TorchNative.DEVICE_TYPE] != TorchNative.DEVICE_CPU || d[TorchNative.HAS_ALLOCATOR] != 1) {
            return "a CPU op's output reads as device type " + d[TorchNative.DEVICE_TYPE] + ", allocator "
                    + (d[TorchNative.HAS_ALLOCATOR] == 1 ? "present" : "absent") + " (expected CPU, present)";
        }
        ByteBuffer view = ((PtNDArray) a).toByteBuffer(true);
        long viewAddress = TorchNative.address0(view);
        if (d[TorchNative.STORAGE_BYTES] != expectedBytes || view.capacity() != d[TorchNative.STORAGE_BYTES]) {
            return "the storage of a " + ELEMENTS + "-float tensor reads as " + d[TorchNative.STORAGE_BYTES]
                    + " bytes, DJL's view has " + view.capacity() + ", expected " + expectedBytes
                    + (broken ? " (" + TorchBridge.BREAK_SELF_CHECK_PROPERTY + " is set)" : "");
        }
        if (viewAddress == 0 || d[TorchNative.STORAGE_DATA] != viewAddress || d[TorchNative.TENSOR_DATA] != viewAddress) {
            return "the storage's data address 0x" + Long.toHexString(d[TorchNative.STORAGE_DATA]) + " (tensor's 0x"
                    + Long.toHexString(d[TorchNative.TENSOR_DATA]) + ") is not that of DJL's view, 0x"
                    + Long.toHexString(viewAddress);
        }
        NDArray slice = a.get("100:200");
        long[] v = TorchBridge.describe(TorchBridge.tensorHandle(slice, "self-check"), slice);
        if (v[TorchNative.STORAGE_KEY] != d[TorchNative.STORAGE_KEY]
                || v[TorchNative.STORAGE_OFFSET_BYTES] != 100L * Float.BYTES
                || v[TorchNative.TENSOR_DATA] != d[TorchNative.STORAGE_DATA] + 100L * Float.BYTES) {
            return "a view [100:200] of a tensor reads as storage 0x" + Long.toHexString(v[TorchNative.STORAGE_KEY])
                    + " at offset " + v[TorchNative.STORAGE_OFFSET_BYTES] + ", its base's storage is 0x"
                    + Long.toHexString(d[TorchNative.STORAGE_KEY]) + " (expected the same, at offset 400)";
        }
        float[] expected = a.toFloatArray();
        float expectedSum = a.sum().getFloat();
        int half = ELEMENTS * Float.BYTES / 2;
        ByteBuffer out = ByteBuffer.allocateDirect(ELEMENTS * Float.BYTES).order(ByteOrder.nativeOrder());
        try (TorchStorage s = bridge.storage(a)) {
            if (!s.evictable()) {
                return "a CPU op's output is not evictable: " + s.whyNotEvictable();
            }
            s.copyToHost(0, out.slice(0, half));
            s.copyToHost(half, out.slice(half, half));
            long freed = s.release();
            long[] after = s.nativeState();
            if (freed != d[TorchNative.STORAGE_BYTES] || after[0] != 0 || after[1] != 0) {
                return "evicting freed " + freed + " bytes and left data 0x" + Long.toHexString(after[0]) + ", "
                        + after[1] + " bytes (expected " + ELEMENTS * Float.BYTES + " freed, none left)";
            }
            s.allocate();
            s.copyFromHost(0, out.slice(0, half));
            s.copyFromHost(half, out.slice(half, half));
            s.restored();
        }
        float[] back = a.toFloatArray();
        if (!Arrays.equals(expected, back)) {
            return "a tensor evicted and restored does not read back its values";
        }
        float sum = a.sum().getFloat();
        if (Float.floatToIntBits(sum) != Float.floatToIntBits(expectedSum)) {
            return "a kernel on a restored tensor computes " + sum + ", before eviction " + expectedSum;
        }
        return null;
    }

    private static String hook(TorchBridge bridge, NDManager m) {
        boolean gradMode = JniUtils.isGradMode();
        try {
            JniUtils.setGradMode(true);
            NDArray x = m.arange(0f, 8f).add(0f);
            x.setRequiresGradient(true);
            NDArray y = x.mul(3f);
            List<String> calls = new ArrayList<>();
            Thread self = Thread.currentThread();
            bridge.registerHook(y, 42, id -> calls.add(id + (Thread.currentThread() == self ? "" : " on another thread")));
            NDArray z = y.sum();
            JniUtils.backward((PtNDArray) z, (PtNDArray) z.onesLike(), false, false);
            if (!calls.equals(List.of("42"))) {
                return "a backward hook with id 42 reported " + calls + " (expected [42], on the calling thread)";
            }
            float[] grad = x.getGradient().toFloatArray();
            for (float g : grad) {
                if (g != 3f) {
                    return "with a backward hook, the gradient of 3x is " + Arrays.toString(grad) + " (expected 3s)";
                }
            }
            return null;
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
