package io.teraio.profiler.importer;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.core.trace.Recorder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Imports one PyTorch Execution Trace ({@code torch.profiler.ExecutionTraceObserver}), schema
 * 1.0.x (flat {@code inputs}/{@code input_shapes}/{@code input_types}) or 1.1.x ({@code inputs:
 * {values, shapes, types}}), as a plain {@code .json}, a {@code .json.gz} or a {@code .tar.gz}
 * holding one {@code .json}; optionally paired with a Kineto trace of the same run
 * ({@link ImportOptions#kinetoFile()}) for real kernel durations.
 *
 * <p>Tensors are the device storages (keyed by storage id; CPU storages are dropped), sized
 * as the largest {@code (offset + numel) * itemsize} seen. Ops are the leaf nodes of the
 * trace in node-id order that touch a device storage. A storage is allocated by the first op
 * that outputs it and freed after its last use; persistence and kinds follow the rules in
 * {@code docs/importers.md}. The input is read with Jackson's streaming parser,
 * keeping a compact record per node.
 */
public final class PytorchEtImporter implements TraceImporter {
    private static final String FORMAT = "pytorch-et";
    private static final Pattern OPTIMIZER = Pattern.compile("adam|sgd|optim|_foreach_|accumulategrad|accumulate_grad");
    private static final Pattern ACCUMULATE_GRAD = Pattern.compile("accumulategrad|accumulate_grad");
    private static final Pattern STATE_INIT = Pattern.compile("zeros|clone");
    private static final long[] NO_LONGS = new long[0];
    /**
     * The least an estimated op that launches a kernel takes: the shortest kernels of the
     * shared Kineto traces (RTX 2080 Ti) take 1 to 2 µs, and so do empty kernels on an H100.
     */
    static final long KERNEL_FLOOR_NS = 2_000;

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public ImportResult importFiles(List<Path> inputs, ImportOptions options) {
        if (inputs == null || inputs.size() != 1) {
            throw new TeraioException(FORMAT + ": expects exactly one execution trace file, got "
                    + (inputs == null ? 0 : inputs.size()));
        }
        ImportOptions opts = options == null ? ImportOptions.defaults() : options;
        Path file = inputs.get(0);
        String name = file.toString();
        EtGraph graph = parse(file, name, opts.bytesRead(), opts.cpuAsDevice());
        KinetoDurations kineto = opts.kinetoFile() == null ? null
                : KinetoDurations.read(opts.kinetoFile(), opts.bytesRead());
        return build(graph, name, opts, kineto);
    }

    // ---------------------------------------------------------------- parsing

    /** One node, compactly: device storages (ids) and their appearances' bytes. */
    private static final class Node {
        int id;
        int parent = -1;
        /** The autograd sequence number, -1 for none. */
        long seq = -1;
        String name = "";
        long[] inStorages = NO_LONGS;
        long[] outStorages = NO_LONGS;
        /** The largest {@code (offset + numel) * itemsize} of each storage in {@link #inStorages}. */
        long[] inEndBytes = NO_LONGS;
        long[] outEndBytes = NO_LONGS;
        long bytesMoved;
        double flops;
        int elsewhereTensors;
    }

    /** What the parse of the whole file found. */
    private static final class EtGraph {
        /** Whether the CPU's storages are planned (a CPU run) instead of the GPU's. */
        final boolean cpuAsDevice;
        String schema;
        final List<Node> nodes = new ArrayList<>();
        /** Device storage id to its size in bytes. */
        final Map<Long, Long> storageBytes = new HashMap<>();
        /** Storage id to its size in bytes, for the storages on other devices (the CPU's, unless cpuAsDevice). */
        final Map<Long, Long> elsewhereStorageBytes = new HashMap<>();

        EtGraph(boolean cpuAsDevice) {
            this.cpuAsDevice = cpuAsDevice;
        }

        /** How the report names the storages not planned. */
        String elsewhere() {
            return cpuAsDevice ? "non-CPU" : "CPU-only";
        }
    }

    /** One tensor argument: storage, bytes of this view, whether it is on another device than the planned one, shape. */
    private record TensorArg(long storage, long endBytes, long viewBytes, boolean elsewhere, long[] shape) {
    }

    private static EtGraph parse(Path file, String name, LongConsumer bytesRead, boolean cpuAsDevice) {
        EtGraph graph = new EtGraph(cpuAsDevice);
        boolean[] sawNodes = {false};
        CompressedInput.readObject(file, "PyTorch execution trace", bytesRead, (field, token, p) -> {
            if (field.equals("schema") && token == JsonToken.VALUE_STRING) {
                graph.schema = p.getText();
                checkSchema(graph.schema, name);
            } else if (field.equals("nodes") && token == JsonToken.START_ARRAY) {
                if (graph.schema == null) {
                    throw new TeraioException(name + ": not a PyTorch execution trace: no \"schema\" before \"nodes\"");
                }
                sawNodes[0] = true;
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    graph.nodes.add(parseNode(p, graph, name));
                }
            } else {
                p.skipChildren();
            }
        });
        if (graph.schema == null) {
            throw new TeraioException(name + ": not a PyTorch execution trace: no \"schema\" field");
        }
        if (!sawNodes[0]) {
            throw new TeraioException(name + ": not a PyTorch execution trace: no \"nodes\" array");
        }
        return graph;
    }

    private static void checkSchema(String schema, String name) {
        if (!(schema.startsWith("1.0.") || schema.startsWith("1.1."))) {
            throw new TeraioException(name + ": unsupported execution trace schema \"" + schema
                    + "\"; supported: 1.0.x, 1.1.x");
        }
    }

    private static Node parseNode(JsonParser p, EtGraph graph, String name) throws IOException {
        Node node = new Node();
        Object inValues = null;
        Object inShapes = null;
        Object inTypes = null;
        Object outValues = null;
        Object outShapes = null;
        Object outTypes = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken token = p.nextToken();
            switch (field) {
                case "id" -> node.id = p.getValueAsInt(-1);
                case "name" -> node.name = p.getText().intern();
                case "ctrl_deps", "parent" -> node.parent = p.getValueAsInt(-1);
                case "seq_id" -> node.seq = p.getValueAsLong(-1);
                case "attrs" -> readAttrs(p, node);
                case "inputs", "outputs" -> {
                    boolean in = field.equals("inputs");
                    if (token == JsonToken.START_OBJECT) {
                        Object[] vst = readValuesShapesTypes(p);
                        if (in) {
                            inValues = vst[0];
                            inShapes = vst[1];
                            inTypes = vst[2];
                        } else {
                            outValues = vst[0];
                            outShapes = vst[1];
                            outTypes = vst[2];
                        }
                    } else if (in) {
                        inValues = readValue(p);
                    } else {
                        outValues = readValue(p);
                    }
                }
                case "input_shapes" -> inShapes = readValue(p);
                case "input_types" -> inTypes = readValue(p);
                case "output_shapes" -> outShapes = readValue(p);
                case "output_types" -> outTypes = readValue(p);
                default -> p.skipChildren();
            }
        }
        List<TensorArg> ins = tensors(inValues, inShapes, inTypes, graph.cpuAsDevice);
        List<TensorArg> outs = tensors(outValues, outShapes, outTypes, graph.cpuAsDevice);
        node.inStorages = storages(ins, graph, node);
        node.inEndBytes = endBytes(node.inStorages, ins);
        node.outStorages = storages(outs, graph, node);
        node.outEndBytes = endBytes(node.outStorages, outs);
        long bytes = 0;
        for (TensorArg t : ins) {
            bytes = ImportLimits.saturatedAdd(bytes, t.elsewhere() ? 0 : t.viewBytes());
        }
        for (TensorArg t : outs) {
            bytes = ImportLimits.saturatedAdd(bytes, t.elsewhere() ? 0 : t.viewBytes());
        }
        node.bytesMoved = bytes;
        node.flops = Flops.estimate(node.name, ins, outs);
        return node;
    }

    /** Schema 1.1.x keeps {@code seq_id} among {@code attrs: [{name, type, value}]}. */
    private static void readAttrs(JsonParser p, Node node) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String attr = null;
            long value = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("name")) {
                    attr = p.getValueAsString();
                } else if (field.equals("value") && p.currentToken().isNumeric()) {
                    value = p.getValueAsLong(-1);
                } else {
                    p.skipChildren();
                }
            }
            if ("seq_id".equals(attr)) {
                node.seq = value;
            }
        }
    }

    private static Object[] readValuesShapesTypes(JsonParser p) throws IOException {
        Object[] result = new Object[3];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "values" -> result[0] = readValue(p);
                case "shapes" -> result[1] = readValue(p);
                case "types" -> result[2] = readValue(p);
                default -> p.skipChildren();
            }
        }
        return result;
    }

    /** Reads the current value as a small tree: List, Long, Double, String, Boolean or null. */
    private static Object readValue(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        switch (token) {
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    if (p.currentToken() == null) {
                        throw new JsonParseException(p, "Unexpected end-of-input in an array");
                    }
                    list.add(readValue(p));
                }
                return list;
            }
            case START_OBJECT:
                p.skipChildren();
                return null;
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_STRING:
                return p.getText();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    /** The tensor arguments among {@code values}, by their types ({@code Tensor...}, {@code GenericList[Tensor...]}). */
    private static List<TensorArg> tensors(Object values, Object shapes, Object types, boolean cpuAsDevice) {
        List<TensorArg> result = new ArrayList<>();
        if (!(values instanceof List<?> valueList) || !(types instanceof List<?> typeList)) {
            return result;
        }
        List<?> shapeList = shapes instanceof List<?> l ? l : List.of();
        for (int i = 0; i < valueList.size() && i < typeList.size(); i++) {
            String type = String.valueOf(typeList.get(i));
            Object value = valueList.get(i);
            Object shape = i < shapeList.size() ? shapeList.get(i) : null;
            if (type.startsWith("Tensor") || type.startsWith("Optional[Tensor")) {
                addTensor(value, shape, cpuAsDevice, result);
            } else if (type.startsWith("GenericList") && type.contains("Tensor") && value instanceof List<?> elements) {
                List<?> elementShapes = shape instanceof List<?> s ? s : List.of();
                for (int k = 0; k < elements.size(); k++) {
                    addTensor(elements.get(k), k < elementShapes.size() ? elementShapes.get(k) : null, cpuAsDevice,
                            result);
                }
            }
        }
        return result;
    }

    private static void addTensor(Object value, Object shape, boolean cpuAsDevice, List<TensorArg> into) {
        if (!(value instanceof List<?> v) || v.size() != 6 || !(v.get(5) instanceof String device)) {
            return;
        }
        if (!(v.get(1) instanceof Long storage) || !(v.get(2) instanceof Long offset)
                || !(v.get(3) instanceof Long numel) || !(v.get(4) instanceof Long itemsize)) {
            return;
        }
        if (offset < 0 || numel < 0 || itemsize < 0) {
            return; // not a tensor any PyTorch wrote
        }
        boolean elsewhere = device.startsWith("cpu") != cpuAsDevice;
        // Sizes past 2^63 saturate; the trace's limit on the total refuses them, naming the storage.
        into.add(new TensorArg(storage, saturatedMultiply(ImportLimits.saturatedAdd(offset, numel), itemsize),
                saturatedMultiply(numel, itemsize), elsewhere, toShape(shape)));
    }

    /** {@code a * b} for non-negative values, {@link Long#MAX_VALUE} where that overflows. */
    private static long saturatedMultiply(long a, long b) {
        return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }

    private static long[] toShape(Object shape) {
        if (!(shape instanceof List<?> dims)) {
            return NO_LONGS;
        }
        long[] result = new long[dims.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = dims.get(i) instanceof Long d ? d : 0;
        }
        return result;
    }

    /** Records sizes, counts the tensors on other devices, and returns the node's distinct storages on the planned one. */
    private static long[] storages(List<TensorArg> args, EtGraph graph, Node node) {
        long[] ids = new long[args.size()];
        int n = 0;
        for (TensorArg t : args) {
            Map<Long, Long> sizes = t.elsewhere() ? graph.elsewhereStorageBytes : graph.storageBytes;
            sizes.merge(t.storage(), t.endBytes(), Math::max);
            if (t.elsewhere()) {
                node.elsewhereTensors++;
                continue;
            }
            boolean seen = false;
            for (int k = 0; k < n; k++) {
                seen |= ids[k] == t.storage();
            }
            if (!seen) {
                ids[n++] = t.storage();
            }
        }
        return n == 0 ? NO_LONGS : Arrays.copyOf(ids, n);
    }

    private static long[] endBytes(long[] storages, List<TensorArg> args) {
        long[] result = new long[storages.length];
        for (TensorArg t : args) {
            for (int k = 0; k < storages.length; k++) {
                if (!t.elsewhere() && storages[k] == t.storage()) {
                    result[k] = Math.max(result[k], t.endBytes());
                }
            }
        }
        return result;
    }

    /** FLOP estimates for matmul-like ops from their tensor shapes, and which ops launch a kernel. */
    private static final class Flops {
        /**
         * ATen ops that launch no kernel of their own: views and reshapes of a storage,
         * allocations without initialisation, type and shape queries (their Kineto time in
         * the shared traces is 0).
         */
        private static final Set<String> NO_KERNEL = Set.of("view", "_reshape_alias", "reshape", "as_strided", "t",
                "transpose", "permute", "expand", "expand_as", "squeeze", "unsqueeze", "select", "slice", "narrow",
                "detach", "detach_", "alias", "empty", "empty_strided", "empty_like", "new_empty", "new_empty_strided",
                "result_type", "size", "stride", "numel", "is_contiguous", "contiguous", "to", "lift_fresh", "unbind",
                "split", "split_with_sizes", "chunk", "view_as", "unfold", "diagonal", "set_", "_unsafe_view",
                "flatten", "unflatten", "resize_", "_to_copy_meta", "is_same_size", "_nnz", "values", "indices");

        private Flops() {
        }

        /**
         * Whether the op launches a kernel of its own: not one of {@link #NO_KERNEL} (with or
         * without {@code aten::}), not an autograd node ({@code AddBackward0}: its kernels are its
         * children's).
         */
        static boolean launchesKernel(String name) {
            String op = name.startsWith("aten::") ? name.substring(6) : name;
            return !NO_KERNEL.contains(op) && !op.matches(".*Backward\\d*$");
        }

        static double estimate(String name, List<TensorArg> ins, List<TensorArg> outs) {
            String op = name.startsWith("aten::") ? name.substring(6) : "";
            switch (op) {
                case "mm", "bmm", "matmul" -> {
                    return ins.size() >= 2 ? 2.0 * numel(ins.get(0).shape()) * last(ins.get(1).shape()) : 0;
                }
                case "addmm", "baddbmm" -> {
                    return ins.size() >= 3 ? 2.0 * numel(ins.get(1).shape()) * last(ins.get(2).shape()) : 0;
                }
                case "linear" -> {
                    // weight is [out_features, in_features]
                    return ins.size() >= 2 && ins.get(1).shape().length == 2
                            ? 2.0 * numel(ins.get(0).shape()) * ins.get(1).shape()[0] : 0;
                }
                case "convolution", "_convolution", "conv2d", "conv1d", "conv3d", "cudnn_convolution",
                        "convolution_backward" -> {
                    if (ins.size() < 2 || outs.isEmpty()) {
                        return 0;
                    }
                    long[] weight = ins.get(op.equals("convolution_backward") ? 2 : 1).shape();
                    long[] out = op.equals("convolution_backward") ? ins.get(1).shape() : outs.get(0).shape();
                    if (weight.length < 2 || weight[0] == 0) {
                        return 0;
                    }
                    double perOutput = 2.0 * numel(weight) / weight[0];
                    return perOutput * numel(out) * (op.equals("convolution_backward") ? 2 : 1);
                }
                default -> {
                    return 0;
                }
            }
        }

        private static double numel(long[] shape) {
            double n = 1;
            for (long d : shape) {
                n *= d;
            }
            return shape.length == 0 ? 0 : n;
        }

        private static double last(long[] shape) {
            return shape.length == 0 ? 0 : shape[shape.length - 1];
        }
    }

    // ---------------------------------------------------------------- building

    /**
     * Builds the trace in steps: the node tree ({@link NodeTree}), the ops kept, the storages'
     * allocations over them ({@link StorageFacts}), their tensors, the ops' durations, the ops
     * recorded, and the report.
     */
    private static ImportResult build(EtGraph graph, String name, ImportOptions opts, KinetoDurations kineto) {
        NodeTree tree = NodeTree.of(graph.nodes);
        KeptOps kept = KeptOps.of(tree);
        if (kept.ops().isEmpty()) {
            throw noTensors(graph, name);
        }
        StorageFacts facts = StorageFacts.of(tree, kept.ops());
        Recorder recorder = new Recorder(new TraceSource(FORMAT, "pytorch", null, graph.cpuAsDevice ? "cpu" : null));
        KeptTensors tensors = KeptTensors.register(facts.infos(), kept.ops().size(), recorder, name);
        if (tensors.kept == 0) {
            throw noTensors(graph, name);
        }
        OpDurations durations = OpDurations.of(tree, kept.ops(), kineto, opts);
        recordOps(tree, kept.ops(), facts, tensors, durations, recorder, name);
        recorder.endIteration();
        Trace trace = recorder.toTrace();
        return new ImportResult(trace, report(graph, tree, kept, facts, tensors, durations, opts));
    }

    /** A node's context, decided by the nearest ancestor (or the node itself) that is an optimizer or AccumulateGrad op. */
    private enum NodeContext {
        /** Under neither: forward, backward or anything else. */
        OTHER,
        /** Under an optimizer op (adam, sgd, optim, _foreach_): what it touches is parameters or optimizer state. */
        OPTIMIZER,
        /** Under AccumulateGrad: what it writes is a gradient. */
        ACCUMULATE_GRAD
    }

    /**
     * The nodes in node-id order and their tree: each node's parent, its context, and per leaf
     * the non-leaf nodes merged into it. A non-leaf node does work of its own after its children
     * ({@code native_layer_norm} allocates through its children, then runs its kernel): its
     * tensors, and its share of time, go to the last leaf of its subtree.
     */
    private record NodeTree(List<Node> nodes, int[] parentIndex, boolean[] isParent, NodeContext[] context,
                            List<List<Integer>> mergedInto) {
        static NodeTree of(List<Node> nodes) {
            nodes.sort((a, b) -> Integer.compare(a.id, b.id));
            Map<Integer, Integer> indexById = new HashMap<>(nodes.size() * 2);
            for (int i = 0; i < nodes.size(); i++) {
                indexById.put(nodes.get(i).id, i);
            }
            boolean[] isParent = new boolean[nodes.size()];
            int[] parentIndex = new int[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                Integer parent = indexById.get(nodes.get(i).parent);
                parentIndex[i] = parent == null || parent == i ? -1 : parent;
                if (parentIndex[i] >= 0) {
                    isParent[parentIndex[i]] = true;
                }
            }
            NodeContext[] context = new NodeContext[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                decideContext(i, nodes, parentIndex, context);
            }
            return new NodeTree(nodes, parentIndex, isParent, context, mergeIntoLastLeaves(nodes, parentIndex, isParent));
        }

        /** Per node, the non-leaf nodes with device storages whose last leaf it is, or null. */
        private static List<List<Integer>> mergeIntoLastLeaves(List<Node> nodes, int[] parentIndex, boolean[] isParent) {
            int[] lastLeaf = new int[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                lastLeaf[i] = isParent[i] ? -1 : i;
            }
            for (int i = nodes.size() - 1; i >= 0; i--) {
                int parent = parentIndex[i];
                if (parent >= 0 && parent < i && lastLeaf[i] >= 0) {
                    lastLeaf[parent] = Math.max(lastLeaf[parent], lastLeaf[i]);
                }
            }
            List<List<Integer>> mergedInto = new ArrayList<>(nodes.size());
            for (int i = 0; i < nodes.size(); i++) {
                mergedInto.add(null);
            }
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                if (isParent[i] && lastLeaf[i] >= 0 && node.inStorages.length + node.outStorages.length > 0) {
                    List<Integer> list = mergedInto.get(lastLeaf[i]);
                    if (list == null) {
                        list = new ArrayList<>(2);
                        mergedInto.set(lastLeaf[i], list);
                    }
                    list.add(i);
                }
            }
            return mergedInto;
        }

        /** The non-leaf nodes merged into node {@code i}, in node order. */
        List<Integer> merged(int i) {
            return mergedInto.get(i) == null ? List.of() : mergedInto.get(i);
        }

        /** Whether node {@code i} or an optimizer-step ancestor of it creates state ({@code zeros_like}, {@code clone}). */
        boolean createsState(int i) {
            boolean createsState = false;
            for (int a = i; a >= 0 && context[a] == NodeContext.OPTIMIZER && !createsState; a = parentIndex[a]) {
                createsState = STATE_INIT.matcher(nodes.get(a).name.toLowerCase(Locale.ROOT)).find();
            }
            return createsState;
        }
    }

    /** The ops kept (leaves touching a device storage, theirs or their ancestors'), and how many leaves were not. */
    private record KeptOps(List<Integer> ops, int structural, int noDevice) {
        static KeptOps of(NodeTree tree) {
            List<Integer> kept = new ArrayList<>();
            int structural = 0;
            int noDevice = 0;
            for (int i = 0; i < tree.nodes().size(); i++) {
                if (tree.isParent()[i]) {
                    continue;
                }
                Node node = tree.nodes().get(i);
                if (node.inStorages.length + node.outStorages.length > 0 || tree.mergedInto().get(i) != null) {
                    kept.add(i);
                } else if (node.name.startsWith("[pytorch|profiler|execution")) {
                    structural++;
                } else {
                    noDevice++;
                }
            }
            return new KeptOps(kept, structural, noDevice);
        }
    }

    /**
     * Storage facts over the kept ops: each allocation of a storage, and per kept op the
     * allocations it touches. The trace names storages by address, which the allocator reuses:
     * an op that outputs a known storage it does not take as an input (not in place, not a
     * view) starts a new allocation of it.
     */
    private record StorageFacts(List<StorageInfo> infos, int[][] opStorages, int reused) {
        static StorageFacts of(NodeTree tree, List<Integer> kept) {
            StorageAllocations allocations = new StorageAllocations();
            int[][] opStorages = new int[kept.size()][];
            int reused = 0;
            for (int k = 0; k < kept.size(); k++) {
                int i = kept.get(k);
                Node node = tree.nodes().get(i);
                boolean createsState = tree.createsState(i);
                NodeContext context = tree.context()[i];
                List<Integer> merged = tree.merged(i);
                int extra = 0;
                for (int m : merged) {
                    extra += tree.nodes().get(m).inStorages.length + tree.nodes().get(m).outStorages.length;
                }
                int[] logical = new int[node.inStorages.length + node.outStorages.length + extra];
                int n = 0;
                // Ancestors' tensors: uses, never a new allocation of a known storage.
                for (int m : merged) {
                    Node anc = tree.nodes().get(m);
                    for (int j = 0; j < anc.inStorages.length; j++) {
                        logical[n++] = allocations.note(anc.inStorages[j], anc.inEndBytes[j], k, false, false, true,
                                context, createsState);
                    }
                    for (int j = 0; j < anc.outStorages.length; j++) {
                        long s = anc.outStorages[j];
                        boolean read = contains(anc.inStorages, s) || contains(node.inStorages, s);
                        logical[n++] = allocations.note(s, anc.outEndBytes[j], k, true, false, read,
                                context, createsState);
                    }
                }
                for (int j = 0; j < node.inStorages.length; j++) {
                    logical[n++] = allocations.note(node.inStorages[j], node.inEndBytes[j], k, false, false, true,
                            context, createsState);
                }
                for (int j = 0; j < node.outStorages.length; j++) {
                    long s = node.outStorages[j];
                    boolean fresh = !contains(node.inStorages, s);
                    if (fresh && allocations.isKnown(s)) {
                        reused++;
                    }
                    int id = allocations.note(s, node.outEndBytes[j], k, true, fresh, !fresh, context, createsState);
                    if (!fresh) {
                        continue;
                    }
                    logical[n++] = id;
                }
                opStorages[k] = Arrays.copyOf(logical, n);
            }
            return new StorageFacts(allocations.infos, opStorages, reused);
        }
    }

    /**
     * The tensors registered for the storages' allocations (those of more than 0 bytes), with
     * their kinds and persistence by the rules of {@code docs/importers.md}, and the counts the
     * report gives.
     */
    private static final class KeptTensors {
        /** Per allocation (index into the storage facts' infos), its tensor id, -1 for none. */
        final int[] tensorId;
        /** Per kept op, the tensors it allocates and those it frees. */
        final List<List<Integer>> allocs;
        final List<List<Integer>> frees;
        final int[] counts = new int[TensorKind.values().length];
        final long[] kindBytes = new long[TensorKind.values().length];
        long bytes;
        int kept;
        int zeroSized;
        int persistent;
        int persistentGradients;

        private KeptTensors(int allocations, int opCount) {
            tensorId = new int[allocations];
            allocs = new ArrayList<>();
            frees = new ArrayList<>();
            for (int k = 0; k < opCount; k++) {
                allocs.add(new ArrayList<>(2));
                frees.add(new ArrayList<>(2));
            }
        }

        static KeptTensors register(List<StorageInfo> infos, int opCount, Recorder recorder, String name) {
            KeptTensors tensors = new KeptTensors(infos.size(), opCount);
            for (int logical = 0; logical < infos.size(); logical++) {
                tensors.tensorId[logical] = -1;
                if (infos.get(logical).bytes <= 0) {
                    tensors.zeroSized++;
                    continue;
                }
                tensors.tensorId[logical] = tensors.register(infos.get(logical), recorder, name);
            }
            return tensors;
        }

        private int register(StorageInfo info, Recorder recorder, String name) {
            long storage = info.storage;
            long bytes = info.bytes;
            boolean preExisting = info.firstOutput < 0 || info.firstUse < info.firstOutput;
            boolean persistent;
            TensorKind kind;
            String key;
            if (info.gradient) {
                kind = TensorKind.GRADIENT;
                persistent = preExisting;
            } else if (preExisting && info.optimizer) {
                kind = info.forward ? TensorKind.PARAMETER : TensorKind.OPTIMIZER_STATE;
                persistent = true;
            } else if (!preExisting && info.stateInit) {
                kind = TensorKind.OPTIMIZER_STATE;
                persistent = true;
            } else {
                kind = preExisting || (info.optimizer && !info.forward) ? TensorKind.OTHER : TensorKind.ACTIVATION;
                persistent = false;
            }
            if (persistent) {
                persistentGradients += kind == TensorKind.GRADIENT ? 1 : 0;
                key = kind.jsonName() + ".storage" + storage + (info.generation > 0 ? "." + info.generation : "");
                this.persistent++;
            } else if (preExisting) {
                key = "input.storage" + storage + (info.generation > 0 ? "." + info.generation : "");
            } else {
                key = "op" + info.firstOutput + ".out" + allocs.get(info.firstOutput).size();
            }
            this.bytes = ImportLimits.addBytes(name, this.bytes, bytes, "storage " + storage);
            int id = recorder.registerTensor(key, bytes, kind, persistent, true);
            kept++;
            counts[kind.ordinal()]++;
            kindBytes[kind.ordinal()] += bytes;
            if (!persistent) {
                if (!preExisting) {
                    allocs.get(info.firstOutput).add(id);
                }
                frees.get(info.lastUse).add(id);
            }
            return id;
        }
    }

    /**
     * Each kept op's duration: with a Kineto trace, the GPU time of the kernels its node and
     * the ancestors merged into it launched; otherwise, or where Kineto matched none, estimated
     * from FLOPs and bytes.
     */
    private record OpDurations(long[] ns, boolean[] estimated, KinetoDurations.Alignment alignment,
                               int matchedByKineto, int estimatedCount, int noKernel, String estimateNote) {
        static OpDurations of(NodeTree tree, List<Integer> kept, KinetoDurations kineto, ImportOptions opts) {
            List<Node> nodes = tree.nodes();
            double[] gpuNs = new double[nodes.size()];
            KinetoDurations.Alignment alignment = kineto == null ? null : align(kineto, nodes, gpuNs);
            long[] ns = new long[kept.size()];
            boolean[] estimated = new boolean[kept.size()];
            int matchedByKineto = 0;
            int estimatedCount = 0;
            int noKernel = 0;
            for (int k = 0; k < kept.size(); k++) {
                int leaf = kept.get(k);
                List<Integer> group = new ArrayList<>(tree.merged(leaf));
                group.add(leaf);
                estimated[k] = !(alignment != null && gpuNs[leaf] >= 0);
                if (!estimated[k]) {
                    // The GPU time the leaf and the ancestors merged into it launched themselves.
                    double groupNs = 0;
                    for (int g : group) {
                        groupNs += Math.max(0, gpuNs[g]);
                    }
                    ns[k] = Math.max(1, Math.round(groupNs));
                    matchedByKineto++;
                } else {
                    // The leaf and the ancestors merged into it are nested calls of one piece of work:
                    // the largest estimate of those that launch a kernel, at least a kernel's floor.
                    double seconds = -1;
                    for (int g : group) {
                        Node n = nodes.get(g);
                        if (Flops.launchesKernel(n.name)) {
                            seconds = Math.max(seconds, Math.max(n.flops / opts.flopsPerSecond(),
                                    n.bytesMoved / opts.memoryBytesPerSecond()));
                        }
                    }
                    ns[k] = seconds < 0 ? 1 : Math.max(KERNEL_FLOOR_NS, (long) Math.ceil(seconds * 1e9));
                    noKernel += seconds < 0 ? 1 : 0;
                    estimatedCount++;
                }
            }
            String estimateNote = String.format(Locale.ROOT, ", estimated at %.3g TFLOP/s and %.3g bytes/s (--tflops,"
                    + " --mem-bw),", opts.flopsPerSecond() / 1e12, opts.memoryBytesPerSecond());
            return new OpDurations(ns, estimated, alignment, matchedByKineto, estimatedCount, noKernel, estimateNote);
        }
    }

    /** Records the kept ops with their durations, the tensors they use, allocate and free. */
    private static void recordOps(NodeTree tree, List<Integer> kept, StorageFacts facts, KeptTensors tensors,
                                  OpDurations durations, Recorder recorder, String name) {
        long totalNs = 0;
        for (int k = 0; k < kept.size(); k++) {
            Node node = tree.nodes().get(kept.get(k));
            long durationNs = durations.ns()[k];
            totalNs = ImportLimits.addDuration(name, totalNs, durationNs, "node " + node.id + " (" + node.name + ")"
                    + (durations.estimated()[k] ? durations.estimateNote() : ""));
            int[] uses = ids(facts.opStorages()[k], tensors.tensorId);
            // an op that carries a parent's tensors is named by it too: outermost/leaf
            List<Integer> merged = tree.merged(kept.get(k));
            String opName = merged.isEmpty() ? node.name : tree.nodes().get(merged.get(0)).name + "/" + node.name;
            recorder.recordOp(opName, durationNs, uses, toArray(tensors.allocs.get(k)), toArray(tensors.frees.get(k)));
        }
    }

    /** What the import dropped and assumed, with its counts. */
    private static ImportReport report(EtGraph graph, NodeTree tree, KeptOps kept, StorageFacts facts,
                                       KeptTensors tensors, OpDurations durations, ImportOptions opts) {
        long elsewhereBytes = sum(graph.elsewhereStorageBytes.values());
        List<String> dropped = new ArrayList<>();
        dropped.add(String.format(Locale.ROOT, "%,d %s storages, %,d bytes", graph.elsewhereStorageBytes.size(),
                graph.elsewhere(), elsewhereBytes));
        dropped.add(String.format(Locale.ROOT, "%,d device storages of 0 bytes", tensors.zeroSized));
        dropped.add(String.format(Locale.ROOT, "%,d device storage ids reused for a new allocation (each kept as its own tensor)",
                facts.reused()));
        dropped.add(String.format(Locale.ROOT, "%,d non-leaf nodes (their work is in their leaf children)",
                countTrue(tree.isParent())));
        dropped.add(String.format(Locale.ROOT, "%,d root/thread nodes", kept.structural()));
        dropped.add(String.format(Locale.ROOT, "%,d leaf ops that touch no device tensor", kept.noDevice()));

        List<String> assumptions = new ArrayList<>();
        assumptions.add("schema " + graph.schema + "; one iteration (the file is one step); ops in node-id order");
        if (graph.cpuAsDevice) {
            assumptions.add("--device cpu: the CPU's storages are planned as device 0's, the GPU's (if any) dropped");
        }
        assumptions.add("a storage is allocated by the first op that outputs it and freed right after its last use "
                + "(the trace does not record frees)");
        int[] counts = tensors.counts;
        long[] kindBytes = tensors.kindBytes;
        assumptions.add(String.format(Locale.ROOT, "persistent: %,d storages (%,d parameter, %,d B; %,d optimizer_state, "
                        + "%,d B): present before the first op and touched by an optimizer op, or created under "
                        + "zeros_like/clone in the optimizer step (lazy state init)",
                tensors.persistent - tensors.persistentGradients, counts[TensorKind.PARAMETER.ordinal()],
                kindBytes[TensorKind.PARAMETER.ordinal()], counts[TensorKind.OPTIMIZER_STATE.ordinal()],
                kindBytes[TensorKind.OPTIMIZER_STATE.ordinal()]));
        assumptions.add(String.format(Locale.ROOT, "gradients: %,d storages, %,d B, found under AccumulateGrad; "
                        + "%,d of them persistent (present before the first op)", counts[TensorKind.GRADIENT.ordinal()],
                kindBytes[TensorKind.GRADIENT.ordinal()], tensors.persistentGradients));
        KinetoDurations.Alignment alignment = durations.alignment();
        if (alignment != null) {
            assumptions.add(String.format(Locale.ROOT, "durations: GPU kernel time from %s, its ops aligned with the "
                            + "execution trace's by op sequence (%,d of %,d nodes matched from Kineto op #%,d of %,d; "
                            + "%,d of %,d sequence numbers agree; %s of the file's %s kernel time attributed); "
                            + "%,d ops timed by their kernels, %,d unmatched ones estimated from FLOPs and bytes",
                    opts.kinetoFile(), alignment.matched(), alignment.gpuNs().length, alignment.firstKineto(),
                    alignment.kinetoOps(), alignment.seqAgreed(), alignment.seqCompared(),
                    Units.formatNanos(Math.round(alignment.attributedNs())),
                    Units.formatNanos(Math.round(alignment.kernelNs())), durations.matchedByKineto(),
                    durations.estimatedCount()));
        } else {
            assumptions.add(String.format(Locale.ROOT, "durations estimated: max(FLOPs / %.3g FLOP/s, bytes / %.3g B/s), "
                    + "at least %s for an op that launches a kernel; FLOPs for matmul and convolution ops, bytes of "
                    + "the tensors read and written; %,d of %,d ops launch none (views, allocations, metadata, "
                    + "autograd nodes without a kernel of their own): 1 ns", opts.flopsPerSecond(),
                    opts.memoryBytesPerSecond(), Units.formatNanos(KERNEL_FLOOR_NS), durations.noKernel(),
                    durations.estimatedCount()));
        }
        return new ImportReport(tree.nodes().size(), kept.ops().size(),
                facts.infos().size() + graph.elsewhereStorageBytes.size(), tensors.kept, tensors.bytes, elsewhereBytes,
                dropped, assumptions);
    }

    /**
     * Aligns all nodes but the profiler's root and thread nodes with the Kineto trace and puts
     * each node's GPU ns, or -1, into {@code gpuNs}.
     */
    private static KinetoDurations.Alignment align(KinetoDurations kineto, List<Node> nodes, double[] gpuNs) {
        List<Integer> ops = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!nodes.get(i).name.startsWith("[pytorch|profiler")) {
                ops.add(i);
            }
        }
        String[] names = new String[ops.size()];
        long[] seqs = new long[ops.size()];
        for (int j = 0; j < ops.size(); j++) {
            names[j] = nodes.get(ops.get(j)).name;
            seqs[j] = nodes.get(ops.get(j)).seq;
        }
        KinetoDurations.Alignment a = kineto.match(names, seqs);
        Arrays.fill(gpuNs, -1);
        for (int j = 0; j < ops.size(); j++) {
            gpuNs[ops.get(j)] = a.gpuNs()[j];
        }
        return a;
    }

    /** Per allocation of a storage: first and last use, first output, who touched it. */
    private static final class StorageInfo {
        long storage;
        int generation;
        long bytes;
        int firstUse = -1;
        int firstOutput = -1;
        int lastUse = -1;
        boolean optimizer;
        boolean forward;
        boolean gradient;
        boolean stateInit;
    }

    /** The allocations of the storages, as the kept ops touch them in order. */
    private static final class StorageAllocations {
        final List<StorageInfo> infos = new ArrayList<>();
        /** Storage id to the index of its current allocation in {@link #infos}. */
        private final Map<Long, Integer> current = new HashMap<>();

        /** Whether an op before has touched the storage. */
        boolean isKnown(long storage) {
            return current.containsKey(storage);
        }

        /**
         * Notes one appearance and returns the index of the storage's allocation it belongs to.
         * {@code fresh}: an output that starts a new allocation of a known storage; {@code read}:
         * the op (or an ancestor merged into it) also takes the storage as an input, so an output
         * of it is a view or an in-place write, not its allocation.
         */
        int note(long storage, long endBytes, int op, boolean output, boolean fresh, boolean read, NodeContext context,
                 boolean createsState) {
            Integer index = current.get(storage);
            if (index == null || (output && fresh && infos.get(index).firstUse != op)) {
                StorageInfo info = new StorageInfo();
                info.storage = storage;
                info.generation = index == null ? 0 : infos.get(index).generation + 1;
                index = infos.size();
                infos.add(info);
                current.put(storage, index);
            }
            StorageInfo info = infos.get(index);
            info.bytes = Math.max(info.bytes, endBytes);
            if (info.firstUse < 0) {
                info.firstUse = op;
            }
            if (output && !read && info.firstOutput < 0) {
                info.firstOutput = op;
                info.stateInit = createsState && info.firstUse == op;
            }
            info.lastUse = Math.max(info.lastUse, op);
            switch (context) {
                case OPTIMIZER -> info.optimizer = true;
                case ACCUMULATE_GRAD -> info.gradient = true;
                case OTHER -> info.forward = true;
            }
            return index;
        }
    }

    /** The error for a trace with no tensor on the planned device: with a hint when they are all on the CPU. */
    private static TeraioException noTensors(EtGraph graph, String name) {
        if (!graph.cpuAsDevice && !graph.elsewhereStorageBytes.isEmpty()) {
            return new TeraioException(String.format(Locale.ROOT, "%s: every tensor of the execution trace is on the"
                    + " CPU (%,d storages, %s), so there is no device memory to plan; to plan the CPU's memory as"
                    + " the device's, import it with --device cpu", name, graph.elsewhereStorageBytes.size(),
                    Units.formatBytes(sum(graph.elsewhereStorageBytes.values()))));
        }
        return new TeraioException(name + ": the execution trace has no op that touches a "
                + (graph.cpuAsDevice ? "CPU" : "device") + " tensor");
    }

    private static long sum(Iterable<Long> values) {
        long total = 0;
        for (long v : values) {
            total += v;
        }
        return total;
    }

    private static boolean contains(long[] values, long value) {
        for (long v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decides the context of node {@code i} and of its ancestors up to the one that decides it
     * (the nearest already decided, AccumulateGrad or optimizer op; {@link NodeContext#OTHER}
     * at the root), into {@code context}, where null is not yet decided.
     */
    private static void decideContext(int i, List<Node> nodes, int[] parentIndex, NodeContext[] context) {
        if (context[i] != null) {
            return;
        }
        // Walk up iteratively to avoid deep recursion.
        List<Integer> path = new ArrayList<>();
        int at = i;
        NodeContext found = NodeContext.OTHER;
        while (at >= 0) {
            if (context[at] != null) {
                found = context[at];
                break;
            }
            path.add(at);
            String lower = nodes.get(at).name.toLowerCase(Locale.ROOT);
            if (ACCUMULATE_GRAD.matcher(lower).find()) {
                found = NodeContext.ACCUMULATE_GRAD;
                break;
            }
            if (OPTIMIZER.matcher(lower).find()) {
                found = NodeContext.OPTIMIZER;
                break;
            }
            at = parentIndex[at];
            if (path.size() > nodes.size()) {
                break;
            }
        }
        for (int node : path) {
            context[node] = found;
        }
    }

    private static int[] ids(int[] logical, int[] tensorId) {
        int[] result = new int[logical.length];
        int n = 0;
        for (int l : logical) {
            int id = tensorId[l];
            if (id < 0) {
                continue;
            }
            boolean seen = false;
            for (int k = 0; k < n; k++) {
                seen |= result[k] == id;
            }
            if (!seen) {
                result[n++] = id;
            }
        }
        return Arrays.copyOf(result, n);
    }

    private static int[] toArray(List<Integer> list) {
        int[] result = new int[list.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = list.get(i);
        }
        return result;
    }

    private static int countTrue(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }
}
