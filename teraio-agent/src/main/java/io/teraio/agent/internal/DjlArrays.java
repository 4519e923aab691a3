package io.teraio.agent.internal;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.Trainer;
import ai.djl.util.NativeResource;
import ai.djl.util.Pair;
import io.teraio.core.TeraioException;
import io.teraio.core.storage.Availability;
import io.teraio.core.trace.TraceSource;
import io.teraio.torch.BackwardListener;
import io.teraio.torch.TorchBridge;
import io.teraio.torch.TorchStorage;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything the agent does to DJL objects, and the only class that names DJL types (it is
 * loaded only once a hook has fired, so by DJL's own class loader's classes): array sizes,
 * the stable names of parameters and optimizer state, and releasing an array's native tensor
 * and restoring it in place.
 */
final class DjlArrays {
    private static final Field HANDLE;
    /**
     * Test only ({@code -Dteraio.agent.test.keepOffloadedTensors=true}): offloaded tensors are
     * never deleted, as if the agent leaked them, to show that the memory tests notice.
     */
    private static final boolean KEEP_OFFLOADED_TENSORS = Boolean.getBoolean("teraio.agent.test.keepOffloadedTensors");
    private static final long STRING_HANDLE = -1L;
    /**
     * The engine's own reads of a tensor's sizes and type, {@code PyTorchLibrary.LIB.torchSizes}
     * and {@code torchDType} bound to the library ({@code long handle -> long[]}, {@code -> int}),
     * or null where this DJL has none (then {@link #bytes} goes through {@code getShape}).
     */
    private static final MethodHandle SIZES;
    private static final MethodHandle DTYPE;
    /** Bytes per element by the engine's type number (DJL's {@code DataType} ordinal, as {@code JniUtils.getDataType} maps it). */
    private static final int[] ELEMENT_BYTES;

    static {
        try {
            HANDLE = NativeResource.class.getDeclaredField("handle");
            HANDLE.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("teraio-agent: NativeResource.handle is not accessible: " + e);
        }
        MethodHandle sizes = null;
        MethodHandle dtype = null;
        try {
            Class<?> library = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary", true, JniUtils.class.getClassLoader());
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(library, MethodHandles.lookup());
            Object lib = lookup.findStaticGetter(library, "LIB", library).invoke();
            sizes = lookup.findVirtual(library, "torchSizes", MethodType.methodType(long[].class, long.class))
                    .bindTo(lib);
            dtype = lookup.findVirtual(library, "torchDType", MethodType.methodType(int.class, long.class)).bindTo(lib);
        } catch (Throwable e) {
            sizes = null;
            dtype = null;
        }
        SIZES = sizes;
        DTYPE = dtype;
        DataType[] types = DataType.values();
        ELEMENT_BYTES = new int[types.length];
        for (int i = 0; i < types.length; i++) {
            ELEMENT_BYTES[i] = types[i].getNumOfBytes();
        }
    }

    private DjlArrays() {
    }

    /**
     * The array's bytes (elements times element size); 0 for string arrays and released ones.
     * Read from the engine in two native calls, without building DJL's {@code Shape} and
     * {@code DataType} (which {@code getShape} would cache in the array for a later read that,
     * for most arrays a training step makes, never comes).
     */
    static long bytes(Object array) {
        PtNDArray a = (PtNDArray) array;
        Object h = handle(a).get();
        if (h == null || ((Long) h) == STRING_HANDLE) {
            return 0;
        }
        if (SIZES == null) {
            return a.getShape().size() * a.getDataType().getNumOfBytes();
        }
        long handle = (Long) h;
        long[] sizes;
        int type;
        try {
            sizes = (long[]) SIZES.invokeExact(handle);
            type = (int) DTYPE.invokeExact(handle);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("reading the size of array " + a.getUid(), e);
        }
        long elements = 1;
        for (long n : sizes) {
            elements *= n;
        }
        return type >= 0 && type < ELEMENT_BYTES.length ? elements * ELEMENT_BYTES[type]
                : elements * a.getDataType().getNumOfBytes();
    }

    /** Adds the arrays {@code arg} holds (an array, an array of them, an NDList) to {@code out}. */
    static void collect(Object arg, List<Object> out) {
        if (arg instanceof PtNDArray) {
            out.add(arg);
        } else if (arg instanceof PtNDArray[]) {
            for (PtNDArray a : (PtNDArray[]) arg) {
                if (a != null) {
                    out.add(a);
                }
            }
        } else if (arg instanceof NDList) {
            for (NDArray a : (NDList) arg) {
                if (a instanceof PtNDArray) {
                    out.add(a);
                }
            }
        }
    }

    /** The model's parameter arrays by their names ({@code 01Linear_weight}), initialized ones only. */
    static Map<String, Object> parameters(Object trainer) {
        Model model = ((Trainer) trainer).getModel();
        Map<String, Object> arrays = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            Parameter parameter = p.getValue();
            if (parameter.isInitialized() && parameter.getArray() instanceof PtNDArray) {
                arrays.put(p.getKey(), parameter.getArray());
            }
        }
        return arrays;
    }

    /**
     * The optimizer's state arrays by stable key: {@code <parameter name>.<state field>}
     * ({@code 01Linear_weight.means} for Adam's first moment), with {@code @<device>} added
     * when a parameter has state on several devices. Found by reflection over the optimizer's
     * {@code Map<String, Map<Device, NDArray>>} fields (Adam, AdamW, Sgd with momentum, ...).
     */
    static Map<String, Object> optimizerStates(Object trainer) {
        Object optimizer = optimizer((Trainer) trainer);
        Map<String, Object> states = new LinkedHashMap<>();
        if (optimizer == null) {
            return states;
        }
        Map<String, String> names = new HashMap<>();
        for (Pair<String, Parameter> p : ((Trainer) trainer).getModel().getBlock().getParameters()) {
            names.put(p.getValue().getId(), p.getKey());
        }
        for (Class<?> c = optimizer.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || !Map.class.isAssignableFrom(f.getType())) {
                    continue;
                }
                Object value = read(f, optimizer);
                if (!(value instanceof Map<?, ?> byParameter)) {
                    continue;
                }
                for (Map.Entry<?, ?> e : byParameter.entrySet()) {
                    if (!(e.getKey() instanceof String id) || !(e.getValue() instanceof Map<?, ?> byDevice)) {
                        continue;
                    }
                    String name = names.getOrDefault(id, id);
                    for (Map.Entry<?, ?> d : byDevice.entrySet()) {
                        if (d.getKey() instanceof Device device && d.getValue() instanceof PtNDArray array) {
                            String key = name + "." + f.getName() + (byDevice.size() > 1 ? "@" + device : "");
                            states.put(key, array);
                        }
                    }
                }
            }
        }
        return states;
    }

    /**
     * Takes the native tensor out of a resident array, as a {@link TensorBuffer} over its own
     * bytes (no copy): the Java object stays, its handle null until {@link #reattach} or
     * {@link #restore}. Shape, type and device are read first so they stay cached. Returns
     * null, leaving the array as it is, when the engine gives no direct view of all its bytes.
     *
     * @param closed run when the buffer is closed (its tensor deleted or given back)
     */
    static TensorBuffer detach(Object array, Runnable closed) {
        PtNDArray a = (PtNDArray) array;
        a.getShape();
        a.getDataType();
        a.getDevice();
        a.getSparseFormat();
        ByteBuffer view = a.toByteBuffer(true);
        if (!view.isDirect() || view.capacity() != bytes(array)) {
            return null;
        }
        Object h = handle(a).getAndSet(null);
        return new TensorBuffer((Long) h, view, KEEP_OFFLOADED_TENSORS ? handle -> { } : JniUtils::deleteNDArray,
                closed);
    }

    /** Puts a native tensor {@link #detach} took out back into its array. */
    static void reattach(Object array, long nativeHandle) {
        PtNDArray a = (PtNDArray) array;
        if (!handle(a).compareAndSet(null, nativeHandle)) {
            JniUtils.deleteNDArray(nativeHandle);
            throw new TeraioException("reattach to array " + a.getUid() + ": it already has a native tensor");
        }
    }

    /**
     * A new native tensor of the array's shape, type and device, not yet any array's, as the
     * buffer a prefetch reads the array's bytes back into (uninitialized: the read fills it);
     * {@link #reattach} then puts it into the array, with no copy. Made by PyTorch's own
     * allocator, so it is freed as the array's tensor always was.
     *
     * @param closed run when the buffer is closed (its tensor deleted or given back)
     */
    static TensorBuffer emptyLike(Object array, Runnable closed) {
        PtNDArray a = (PtNDArray) array;
        PtNDArray empty = JniUtils.createEmptyNdArray(a.getManager(), a.getShape(), a.getDataType(), a.getDevice(),
                SparseFormat.DENSE);
        ByteBuffer view = empty.toByteBuffer(true);
        long bytes = bytes(empty);
        Object h = handle(empty).getAndSet(null);
        empty.getManager().detachInternal(empty.getUid());
        if (!view.isDirect() || view.capacity() != bytes) {
            JniUtils.deleteNDArray((Long) h);
            throw new TeraioException("a new tensor like array " + a.getUid() + " has no direct view of its "
                    + bytes + " bytes");
        }
        return new TensorBuffer((Long) h, view, JniUtils::deleteNDArray, closed);
    }

    /** Whether the array's native tensor is present. */
    static boolean hasHandle(Object array) {
        return handle((PtNDArray) array).get() != null;
    }

    /** The bytes of a resident array, for tests. */
    static byte[] contents(Object array) {
        ByteBuffer b = ((PtNDArray) array).toByteBuffer(false);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * Whether the PyTorch bridge works here: when {@code trainer} trains on DJL's PyTorch
     * engine (loaded by now, a step having run), loads the bridge and runs its self-check, on
     * test tensors of its own, once; a job on another engine never loads it.
     */
    static Availability torchBridge(Object trainer) {
        String engine = ((Trainer) trainer).getManager().getEngine().getEngineName();
        if (!engine.equals("PyTorch")) {
            return Availability.no("the job trains on DJL's " + engine + " engine, not PyTorch");
        }
        return TorchBridge.availability();
    }

    /** The gradient of a parameter's array (a new array over its gradient's storage), or null when it has none yet. */
    static Object gradient(Object parameter) {
        try {
            NDArray g = ((PtNDArray) parameter).getGradient();
            return g instanceof PtNDArray ? g : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** What the bridge sees of the array's tensor (storage, evictable, requires a gradient). */
    static TorchBridge.TensorInfo tensorInfo(TorchBridge bridge, Object array) {
        return bridge.info((NDArray) array);
    }

    /** The array's storage, through the bridge (one handle per storage, shared by its views). */
    static TorchStorage storage(TorchBridge bridge, Object array) {
        return bridge.storage((NDArray) array);
    }

    /** The version counter of the array's tensor (see {@link TorchBridge#version}). */
    static long version(TorchBridge bridge, Object array) {
        return bridge.version((NDArray) array);
    }

    /** Registers a backward hook on the array's tensor (see {@link TorchBridge#registerHook}). */
    static void registerHook(TorchBridge bridge, Object array, long id, BackwardListener listener) {
        bridge.registerHook((NDArray) array, id, listener);
    }

    /** Where a trace recorded from {@code trainer} comes from: the agent, DJL and engine versions, the model. */
    static TraceSource source(Object trainer, String agentVersion) {
        Trainer t = (Trainer) trainer;
        String engine = t.getManager().getEngine().getEngineName() + " " + t.getManager().getEngine().getVersion();
        Device d = t.getDevices().length == 0 ? Device.cpu() : t.getDevices()[0];
        String device = d.isGpu() ? "gpu" + d.getDeviceId() : d.getDeviceType();
        return new TraceSource("teraio-agent " + agentVersion, "djl " + ai.djl.engine.Engine.getDjlVersion() + " / "
                + engine, t.getModel().getName(), device);
    }

    @SuppressWarnings("unchecked")
    private static AtomicReference<Object> handle(PtNDArray a) {
        try {
            return (AtomicReference<Object>) HANDLE.get(a);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("NativeResource.handle", e);
        }
    }

    private static Object optimizer(Trainer trainer) {
        Object store = readNamed(trainer, Trainer.class, "parameterStore");
        Object server = store == null ? null : readNamed(store, store.getClass(), "parameterServer");
        return server == null ? null : readNamed(server, server.getClass(), "optimizer");
    }

    private static Object readNamed(Object target, Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return read(c.getDeclaredField(name), target);
            } catch (NoSuchFieldException e) {
                // try the superclass
            }
        }
        return null;
    }

    private static Object read(Field f, Object target) {
        try {
            f.setAccessible(true);
            return f.get(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
