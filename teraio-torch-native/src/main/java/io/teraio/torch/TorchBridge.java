package io.teraio.torch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import io.teraio.core.storage.Availability;
import java.util.HashMap;
import java.util.Map;

/**
 * teraio's native bridge to PyTorch, for DJL arrays of the PyTorch engine: frees a tensor's
 * storage in place and gives it back ({@link TorchStorage}), and registers backward hooks
 * ({@link #registerHook}).
 *
 * <p>{@link #availability()} loads the library ({@code libteraio_torch.so}, from this jar, or
 * the path in system property {@code teraio.torch.nativeLibrary}) the first time it is asked,
 * and only after DJL's PyTorch engine has loaded libtorch (the library links DJL's
 * {@code libc10.so} and {@code libtorch_cpu.so}); then runs a self-check of the libtorch layout
 * it relies on against DJL's own view of a test tensor. Anything wrong makes the bridge
 * unavailable, with the reason; nothing is printed here (the agent prints the reason once and
 * moves optimizer state only).
 *
 * <p>Thread-safe.
 */
public final class TorchBridge {
    /** System property: the library to load instead of this jar's. */
    public static final String LIBRARY_PROPERTY = "teraio.torch.nativeLibrary";
    /**
     * Test only: {@code -Dteraio.torch.test.breakSelfCheck=true} makes the self-check expect
     * one byte more than the test tensor's storage has, so that it fails as a libtorch with
     * another layout would.
     */
    public static final String BREAK_SELF_CHECK_PROPERTY = "teraio.torch.test.breakSelfCheck";

    private static final Object LOCK = new Object();
    private static Availability availability;
    private static TorchBridge instance;

    /** Why {@link #version} cannot be trusted here (its self-check failed), or null. Set at load. */
    volatile String versionsUntracked = "not checked";

    /** Open storage handles by storage key: one handle, and one state, per storage. */
    private final Map<Long, TorchStorage> open = new HashMap<>();

    private TorchBridge() {
    }

    /**
     * Whether the bridge works here, with the reason when it does not (or what was loaded when
     * it does). The first call loads DJL's PyTorch engine, the library, and runs the self-check.
     */
    public static Availability availability() {
        synchronized (LOCK) {
            if (availability == null) {
                TorchBridge bridge = new TorchBridge();
                availability = NativeLibrary.load(bridge);
                instance = availability.available() ? bridge : null;
            }
            return availability;
        }
    }

    /**
     * The bridge.
     *
     * @throws TorchBridgeException with {@link #availability()}'s reason when it is unavailable
     */
    public static TorchBridge load() {
        Availability a = availability();
        if (!a.available()) {
            throw new TorchBridgeException("teraio torch bridge unavailable: " + a.reason());
        }
        return instance;
    }

    /**
     * The storage of {@code array}'s tensor: the same open handle for every array that is a
     * view of it, until that handle is closed.
     *
     * @throws TorchBridgeException when the array is closed, is not a PyTorch array, or its
     *                              storage has no memory now and this bridge has no open handle
     *                              that evicted it
     */
    public TorchStorage storage(NDArray array) {
        long tensor = tensorHandle(array, "open the storage of");
        long[] d = describe(tensor, array);
        synchronized (open) {
            TorchStorage known = open.get(d[TorchNative.STORAGE_KEY]);
            if (known != null) {
                return known;
            }
            if (d[TorchNative.STORAGE_DATA] == 0) {
                throw new TorchBridgeException("open the storage of array " + array.getUid() + ": it has no memory"
                        + " (evicted through a handle since closed, or empty)");
            }
            String why = null;
            if (d[TorchNative.DEVICE_TYPE] != TorchNative.DEVICE_CPU) {
                why = TorchErrors.meaning(TorchErrors.NOT_CPU);
            } else if (d[TorchNative.HAS_ALLOCATOR] == 0) {
                why = TorchErrors.meaning(TorchErrors.NO_ALLOCATOR);
            }
            long handle = TorchErrors.check(TorchNative.open0(tensor), "open the storage of array " + array.getUid());
            TorchStorage s = new TorchStorage(this, handle, d[TorchNative.STORAGE_KEY], d[TorchNative.STORAGE_BYTES],
                    why, "array " + array.getUid());
            open.put(s.key(), s);
            return s;
        }
    }

    /**
     * What the bridge sees of an array's tensor now, in one native call and without opening a
     * handle: for deciding which arrays to track as views, to evict, and to hook.
     *
     * @param storageKey   the storage's key (views of one storage share it)
     * @param storageBytes the storage's bytes now (0 when evicted)
     * @param evictable    whether {@link TorchStorage#release()} could free it now: a CPU
     *                     storage with memory and an allocator (an op's output)
     * @param requiresGrad whether the tensor requires a gradient ({@link #registerHook} accepts it)
     * @param tensorBytes  the tensor's own bytes (its elements times their size; a view's, not its storage's)
     */
    public record TensorInfo(long storageKey, long storageBytes, boolean evictable, boolean requiresGrad,
                             long tensorBytes) {
    }

    /** {@link TensorInfo} of {@code array}'s tensor. */
    public TensorInfo info(NDArray array) {
        long[] d = describe(tensorHandle(array, "read the tensor of"), array);
        return new TensorInfo(d[TorchNative.STORAGE_KEY], d[TorchNative.STORAGE_BYTES],
                d[TorchNative.DEVICE_TYPE] == TorchNative.DEVICE_CPU && d[TorchNative.HAS_ALLOCATOR] != 0
                        && d[TorchNative.STORAGE_DATA] != 0,
                d[TorchNative.REQUIRES_GRAD] != 0, d[TorchNative.TENSOR_BYTES]);
    }

    /**
     * The version counter of {@code array}'s tensor: libtorch adds 1 at every in-place change
     * of the tensor or of any view of it (an optimizer's update, {@code zero_}, {@code copy_},
     * DJL's {@code *i} ops), whatever the grad mode; an evict and restore through the bridge
     * leaves it as it was. Equal counters at two times mean the tensor's bytes did not change
     * through libtorch in between. Trust it only when {@link #versionsUntracked()} is null.
     *
     * @throws TorchBridgeException when the array is closed or its tensor tracks no version (made in inference mode)
     */
    public long version(NDArray array) {
        long tensor = tensorHandle(array, "read the version of");
        return TorchErrors.check(TorchNative.version0(tensor), () -> "read the version of array " + array.getUid());
    }

    /** Null when {@link #version} reads libtorch's counters as they are (checked at load), else why not. */
    public String versionsUntracked() {
        return versionsUntracked;
    }

    /** The key of {@code array}'s storage (views of one storage share it), without opening a handle. */
    public long storageKey(NDArray array) {
        return describe(tensorHandle(array, "read the storage of"), array)[TorchNative.STORAGE_KEY];
    }

    /**
     * Registers a backward hook on {@code array}'s tensor: when its gradient is complete, just
     * before the backward node of the op that made it runs, {@code listener.backwardStarts(id)}
     * is called (see {@link BackwardListener}). The hook lives as long as the tensor, whatever
     * becomes of the DJL array, and changes no gradient.
     *
     * @return the hook's index, for {@link #removeHook}
     * @throws TorchBridgeException when the tensor does not require a gradient or libtorch refused
     */
    public long registerHook(NDArray array, long id, BackwardListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("register a backward hook on array " + array.getUid()
                    + ": the listener is null");
        }
        long tensor = tensorHandle(array, "register a backward hook on");
        String[] message = new String[1];
        return TorchErrors.check(TorchNative.registerHook0(tensor, id, listener, message),
                () -> "register backward hook " + id + " on array " + array.getUid(), message);
    }

    /** Removes a hook {@link #registerHook} registered on {@code array}'s tensor. */
    public void removeHook(NDArray array, long index) {
        long tensor = tensorHandle(array, "remove a backward hook from");
        String[] message = new String[1];
        TorchErrors.check(TorchNative.removeHook0(tensor, index, message),
                "remove backward hook " + index + " from array " + array.getUid(), message);
    }

    /** The libtorch view of {@code array}'s tensor and storage (see {@link TorchNative#describe0}). */
    static long[] describe(long tensor, NDArray array) {
        long[] out = new long[TorchNative.DESCRIBE_LENGTH];
        TorchErrors.check(TorchNative.describe0(tensor, out), () -> "read the tensor of array " + array.getUid());
        return out;
    }

    static long tensorHandle(NDArray array, String op) {
        if (!(array instanceof PtNDArray pt)) {
            throw new TorchBridgeException(op + " array " + (array == null ? "null" : array.getUid())
                    + ": not an array of DJL's PyTorch engine (" + (array == null ? "null"
                    : array.getClass().getName()) + ")");
        }
        Long handle;
        try {
            handle = pt.getHandle();
        } catch (IllegalStateException e) {
            handle = null;
        }
        if (handle == null || handle == 0 || handle == -1) {
            throw new TorchBridgeException(op + " array " + array.getUid() + ": it has no native tensor (closed)");
        }
        return handle;
    }

    void forget(long key, TorchStorage storage) {
        synchronized (open) {
            open.remove(key, storage);
        }
    }

    /** The PyTorch engine's version, loading the engine. */
    static String engineVersion() {
        return Engine.getEngine("PyTorch").getVersion();
    }
}
