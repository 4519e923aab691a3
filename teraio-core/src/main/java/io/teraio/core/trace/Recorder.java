package io.teraio.core.trace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Captures what a training job does, op by op, with little enough overhead to stay on
 * while it trains, and turns it into a {@link Trace}.
 *
 * <p>Register every tensor once ({@link #registerTensor}), then record each op either
 * live, around the real work ({@link #beginOp} ... {@link #endOp}, with {@link #free} for
 * tensors released between ops), or whole ({@link #recordOp}, for custom trainers,
 * synthetic workloads and importers). Call {@link #endIteration} at each training
 * iteration boundary and {@link #toTrace} or {@link #write} at the end.
 *
 * <p>Every method may be called from any thread. Ops are ordered by the moment they begin
 * ({@link #beginOp} or {@link #recordOp}); an op's index is fixed then. Recording an op
 * stores its name reference, its time and a copy of its tensor ids in growable primitive
 * arrays (the caller may reuse its arrays) and allocates nothing else; the {@link Op}
 * objects are built only by {@link #toTrace}.
 *
 * <p>Arguments are checked as they come (a bad one throws {@link IllegalArgumentException}
 * and records nothing); the trace's rules (a tensor is used only while it is live, freed at
 * most once, ...) are checked by {@link #toTrace}.
 */
public final class Recorder {
    private static final int INITIAL_OPS = 1024;
    private static final int INITIAL_IDS = 4096;
    private static final int INITIAL_FREES = 256;
    private static final int[] NONE = new int[0];

    private final TraceSource source;
    private final Object lock = new Object();

    private final List<Tensor> tensors = new ArrayList<>();

    private int opCount;
    private String[] names = new String[INITIAL_OPS];
    /** The start time while an op is open ({@code nanoTime}), its duration once it has ended. */
    private long[] timeNs = new long[INITIAL_OPS];
    private int[] usesOffset = new int[INITIAL_OPS];
    private int[] usesCount = new int[INITIAL_OPS];
    /** -1 while the op is open (begun, not ended). */
    private int[] allocsOffset = new int[INITIAL_OPS];
    private int[] allocsCount = new int[INITIAL_OPS];
    private int openOps;

    /** The uses and allocs of every op, each op's at its offsets. */
    private int[] ids = new int[INITIAL_IDS];
    private int idCount;

    /** Frees as (op, tensor) pairs in the order they were recorded. */
    private int[] freeOps = new int[INITIAL_FREES];
    private int[] freeTensors = new int[INITIAL_FREES];
    private int freeCount;

    /** The op index where each completed iteration ends (exclusive). */
    private int[] iterationEnds = new int[16];
    private int iterationCount;

    /** @param source where the trace comes from ({@code null} for unknown) */
    public Recorder(TraceSource source) {
        this.source = source == null ? TraceSource.UNKNOWN : source;
    }

    /**
     * Registers a tensor on device 0.
     *
     * @return its id: 0 for the first tensor registered, then 1, 2, ...
     * @see #registerTensor(String, long, TensorKind, boolean, boolean, int)
     */
    public int registerTensor(String key, long bytes, TensorKind kind, boolean persistent, boolean offloadable) {
        return registerTensor(key, bytes, kind, persistent, offloadable, 0);
    }

    /**
     * Registers a tensor, before any op names it.
     *
     * @param key         its identity across iterations: a stable name for a persistent
     *                    tensor, the allocation site ({@code op17.out0}) for a transient one
     * @param bytes       its size (positive)
     * @param kind        what it holds
     * @param persistent  live for the whole trace (never allocated or freed by an op)
     * @param offloadable whether its memory is really released when it is offloaded
     * @param device      the device it lives on
     * @return its id: 0 for the first tensor registered, then 1, 2, ...
     * @throws IllegalArgumentException if {@code key} or {@code kind} is null or
     *                                  {@code bytes} is not positive
     */
    public int registerTensor(String key, long bytes, TensorKind kind, boolean persistent, boolean offloadable,
                              int device) {
        if (key == null) {
            throw new IllegalArgumentException("registerTensor: key is null");
        }
        if (kind == null) {
            throw new IllegalArgumentException("registerTensor " + key + ": kind is null");
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException("registerTensor " + key + ": bytes must be positive, got " + bytes);
        }
        synchronized (lock) {
            int id = tensors.size();
            tensors.add(new Tensor(id, key, bytes, kind, persistent, offloadable, device));
            return id;
        }
    }

    /**
     * Begins an op: reserves the next op index and notes the start time. End it with
     * {@link #endOp} once it has run.
     *
     * @param name the op's name
     * @param uses the tensors it reads or writes ({@code null} for none); copied
     * @return the op's index, the handle to pass to {@link #endOp}
     * @throws IllegalArgumentException if {@code name} is null or a use is not a registered tensor
     */
    public int beginOp(String name, int[] uses) {
        if (name == null) {
            throw new IllegalArgumentException("beginOp: name is null");
        }
        synchronized (lock) {
            checkTensors("beginOp", name, "uses", uses);
            int op = addOp(name, uses);
            allocsOffset[op] = -1;
            openOps++;
            timeNs[op] = System.nanoTime();
            return op;
        }
    }

    /**
     * Ends an op begun by {@link #beginOp}; its duration is the time since it began.
     *
     * @param op     the index {@link #beginOp} returned
     * @param allocs the tensors it created ({@code null} for none); copied
     * @throws IllegalArgumentException if {@code op} was not begun, has already ended, or
     *                                  an alloc is not a registered tensor
     */
    public void endOp(int op, int[] allocs) {
        long endNs = System.nanoTime();
        synchronized (lock) {
            if (op < 0 || op >= opCount) {
                throw new IllegalArgumentException("endOp: unknown op " + op + " (" + opCount + " ops begun)");
            }
            if (allocsOffset[op] >= 0) {
                throw new IllegalArgumentException("endOp: op " + op + " (" + names[op] + ") has already ended");
            }
            checkTensors("endOp", names[op], "allocates", allocs);
            allocsOffset[op] = idCount;
            allocsCount[op] = appendIds(allocs);
            timeNs[op] = endNs - timeNs[op];
            openOps--;
        }
    }

    /**
     * Records that a tensor was freed, as part of the op begun most recently (frameworks
     * free tensors between ops, when the array that holds them is closed).
     *
     * @throws IllegalArgumentException if {@code tensorId} is not a registered tensor
     * @throws IllegalStateException    if no op has begun yet
     */
    public void free(int tensorId) {
        synchronized (lock) {
            checkTensor("free", null, null, tensorId);
            if (opCount == 0) {
                throw new IllegalStateException("free: tensor " + tensorId + " freed before any op began");
            }
            addFree(opCount - 1, tensorId);
        }
    }

    /**
     * Records a whole op at once.
     *
     * @param name       the op's name
     * @param durationNs how long it ran (not negative)
     * @param uses       the tensors it reads or writes ({@code null} for none); copied
     * @param allocs     the tensors it created ({@code null} for none); copied
     * @param frees      the tensors it released ({@code null} for none); copied
     * @throws IllegalArgumentException if {@code name} is null, the duration is negative or
     *                                  an id is not a registered tensor
     */
    public void recordOp(String name, long durationNs, int[] uses, int[] allocs, int[] frees) {
        if (name == null) {
            throw new IllegalArgumentException("recordOp: name is null");
        }
        if (durationNs < 0) {
            throw new IllegalArgumentException("recordOp " + name + ": durationNs must not be negative, got "
                    + durationNs);
        }
        synchronized (lock) {
            checkTensors("recordOp", name, "uses", uses);
            checkTensors("recordOp", name, "allocates", allocs);
            checkTensors("recordOp", name, "frees", frees);
            int op = addOp(name, uses);
            allocsOffset[op] = idCount;
            allocsCount[op] = appendIds(allocs);
            timeNs[op] = durationNs;
            if (frees != null) {
                for (int tensor : frees) {
                    addFree(op, tensor);
                }
            }
        }
    }

    /**
     * Ends a training iteration: the ops begun since the previous call form one iteration.
     *
     * @throws IllegalStateException if no op has begun since the previous call
     */
    public void endIteration() {
        synchronized (lock) {
            int start = iterationCount == 0 ? 0 : iterationEnds[iterationCount - 1];
            if (opCount == start) {
                throw new IllegalStateException("endIteration: no ops since the "
                        + (iterationCount == 0 ? "start" : "end of iteration " + (iterationCount - 1)));
            }
            if (iterationCount == iterationEnds.length) {
                iterationEnds = Arrays.copyOf(iterationEnds, 2 * iterationCount);
            }
            iterationEnds[iterationCount++] = opCount;
        }
    }

    /** The number of ops begun so far. */
    public int opCount() {
        synchronized (lock) {
            return opCount;
        }
    }

    /** The number of iterations ended by {@link #endIteration} so far. */
    public int iterationCount() {
        synchronized (lock) {
            return iterationCount;
        }
    }

    /**
     * The trace recorded so far. The ops after the last {@link #endIteration} form one more
     * iteration. The recorder stays usable.
     *
     * @throws IllegalStateException if no op was recorded, or an op was begun but not ended
     * @throws io.teraio.core.trace.TraceFormatException if the recorded ops break the trace's
     *         rules (the message names the op and tensor, with {@code recorder} as the file)
     */
    public Trace toTrace() {
        Trace trace;
        synchronized (lock) {
            if (opCount == 0) {
                throw new IllegalStateException("toTrace: no ops recorded");
            }
            if (openOps > 0) {
                int op = 0;
                while (allocsOffset[op] >= 0) {
                    op++;
                }
                throw new IllegalStateException("toTrace: " + openOps + " op(s) begun but not ended, the first is op "
                        + op + " (" + names[op] + ")");
            }
            trace = new Trace(source, buildIterations(), tensors, buildOps());
        }
        TraceValidator.validate(trace, "recorder");
        return trace;
    }

    /** Writes {@link #toTrace()} to {@code file} ({@code .json} or {@code .json.gz}). */
    public void write(Path file) {
        Objects.requireNonNull(file, "file");
        TraceWriter.write(toTrace(), file);
    }

    private int addOp(String name, int[] uses) {
        if (opCount == names.length) {
            int capacity = 2 * opCount;
            names = Arrays.copyOf(names, capacity);
            timeNs = Arrays.copyOf(timeNs, capacity);
            usesOffset = Arrays.copyOf(usesOffset, capacity);
            usesCount = Arrays.copyOf(usesCount, capacity);
            allocsOffset = Arrays.copyOf(allocsOffset, capacity);
            allocsCount = Arrays.copyOf(allocsCount, capacity);
        }
        int op = opCount++;
        names[op] = name;
        usesOffset[op] = idCount;
        usesCount[op] = appendIds(uses);
        return op;
    }

    /** Appends {@code source} to {@link #ids} and returns how many ids it held. */
    private int appendIds(int[] source) {
        if (source == null) {
            return 0;
        }
        int n = source.length;
        if (idCount + n > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(2 * ids.length, idCount + n));
        }
        System.arraycopy(source, 0, ids, idCount, n);
        idCount += n;
        return n;
    }

    private void addFree(int op, int tensor) {
        if (freeCount == freeOps.length) {
            freeOps = Arrays.copyOf(freeOps, 2 * freeCount);
            freeTensors = Arrays.copyOf(freeTensors, 2 * freeCount);
        }
        freeOps[freeCount] = op;
        freeTensors[freeCount] = tensor;
        freeCount++;
    }

    private void checkTensors(String method, String opName, String verb, int[] tensorIds) {
        if (tensorIds != null) {
            for (int id : tensorIds) {
                checkTensor(method, opName, verb, id);
            }
        }
    }

    /** Checks {@code id} cheaply; builds the message (method, op name, verb) only on failure. */
    private void checkTensor(String method, String opName, String verb, int id) {
        if (id < 0 || id >= tensors.size()) {
            throw new IllegalArgumentException(method + (opName == null ? ": " : " " + opName + ": ")
                    + (verb == null ? "" : verb + " ") + "unknown tensor " + id
                    + " (tensors registered: " + tensors.size() + ")");
        }
    }

    private List<Iteration> buildIterations() {
        List<Iteration> iterations = new ArrayList<>(iterationCount + 1);
        int start = 0;
        for (int i = 0; i < iterationCount; i++) {
            iterations.add(new Iteration(i, start, iterationEnds[i] - start));
            start = iterationEnds[i];
        }
        if (start < opCount) {
            iterations.add(new Iteration(iterationCount, start, opCount - start));
        }
        return iterations;
    }

    private List<Op> buildOps() {
        // Group the frees by op, keeping their recorded order: a counting sort.
        int[] freesStart = new int[opCount + 1];
        for (int i = 0; i < freeCount; i++) {
            freesStart[freeOps[i] + 1]++;
        }
        for (int op = 0; op < opCount; op++) {
            freesStart[op + 1] += freesStart[op];
        }
        int[] freesByOp = new int[freeCount];
        int[] next = Arrays.copyOf(freesStart, opCount);
        for (int i = 0; i < freeCount; i++) {
            freesByOp[next[freeOps[i]]++] = freeTensors[i];
        }

        List<Op> ops = new ArrayList<>(opCount);
        for (int op = 0; op < opCount; op++) {
            ops.add(new Op(op, names[op], timeNs[op],
                    slice(ids, usesOffset[op], usesCount[op]),
                    slice(ids, allocsOffset[op], allocsCount[op]),
                    slice(freesByOp, freesStart[op], freesStart[op + 1] - freesStart[op])));
        }
        return ops;
    }

    private static int[] slice(int[] array, int offset, int length) {
        return length == 0 ? NONE : Arrays.copyOfRange(array, offset, offset + length);
    }
}
