package io.teraio.core.trace;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Checks the rules of the trace format that relate values to each other, on a {@link Trace}
 * in memory, so that a trace read from a file and one just recorded pass the same checks.
 * The first broken rule is thrown as a {@link TraceFormatException} naming the JSON pointer
 * of the offending value.
 *
 * <p>The rules, in the order they are checked:
 * <ul>
 *   <li>tensor ids are unique and not negative; every tensor has a positive size; all
 *       tensors together hold at most {@link #MAX_TOTAL_BYTES};</li>
 *   <li>there is at least one op; each op's {@code index} is its position; durations are not
 *       negative and all ops together last at most {@link #MAX_TOTAL_DURATION_NS}; ops use,
 *       allocate and free only tensors the trace lists;</li>
 *   <li>there is at least one iteration; each iteration's {@code index} is its position;
 *       the iterations tile the ops: the first starts at op 0, each starts where the one
 *       before ended, each has at least one op, and the last ends with the last op;</li>
 *   <li>lifetimes: a persistent tensor is live for the whole trace, so no op allocates or
 *       frees it. Any other tensor is live from the op that allocates it (op 0 if none
 *       does) through the op that frees it (the last op if none does). It is allocated at
 *       most once and freed at most once, not freed before it is allocated, and used only
 *       while it is live (the allocating and the freeing op may use it).</li>
 * </ul>
 */
public final class TraceValidator {
    /**
     * The most bytes all tensors of a trace may hold together: 2^50 (1 PiB). Sums and
     * products of sizes (live bytes, bytes moved over several iterations, transfer times at
     * the slowest bandwidth a hardware profile may state) then stay far from 2^63.
     */
    public static final long MAX_TOTAL_BYTES = 1L << 50;
    /** The longest all ops of a trace may last together: 2^50 ns (about 13 days). */
    public static final long MAX_TOTAL_DURATION_NS = 1L << 50;
    /** Maps a JSON pointer in the source of a trace to a place in it. */
    @FunctionalInterface
    public interface Locator {
        /**
         * The place of the value at {@code jsonPointer} (such as {@code /ops/3/uses/1}) as
         * {@code line:column}, or {@code null} where it is not known.
         */
        String locate(String jsonPointer);
    }

    private final Trace trace;
    private final String sourceName;
    private final Locator locator;
    private final List<Tensor> tensors;
    private final List<Op> ops;

    private TraceValidator(Trace trace, String sourceName, Locator locator) {
        this.trace = trace;
        this.sourceName = sourceName;
        this.locator = locator;
        this.tensors = trace.tensors();
        this.ops = trace.ops();
    }

    /**
     * Checks every rule of the format.
     *
     * @param sourceName the file (or other source, such as {@code recorder}) error messages name
     * @param locator    turns the pointer of an offending value into {@code line:column}
     * @throws TraceFormatException at the first broken rule
     */
    public static void validate(Trace trace, String sourceName, Locator locator) {
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(locator, "locator");
        TraceValidator validator = new TraceValidator(trace, sourceName, locator);
        validator.checkTensors();
        validator.checkOps();
        validator.checkIterations();
        validator.checkLifetimes();
    }

    /** Like {@link #validate(Trace, String, Locator)}, for a trace that has no source text. */
    public static void validate(Trace trace, String sourceName) {
        validate(trace, sourceName, pointer -> null);
    }

    private void checkTensors() {
        long totalBytes = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor tensor = tensors.get(i);
            if (tensor.id() < 0) {
                throw fail("/tensors/" + i + "/id", "tensor id must not be negative, found " + tensor.id());
            }
            int first = trace.slotOf(tensor.id());
            if (first != i) {
                String firstPointer = "/tensors/" + first;
                String firstAt = locator.locate(firstPointer);
                throw fail("/tensors/" + i + "/id", "duplicate tensor id " + tensor.id() + "; the first tensor with this id is "
                        + firstPointer + (firstAt == null ? "" : " at " + firstAt));
            }
            if (tensor.bytes() <= 0) {
                throw fail("/tensors/" + i + "/bytes", describe(tensor) + " has bytes " + tensor.bytes()
                        + "; bytes must be positive");
            }
            totalBytes = Math.addExact(totalBytes, Math.min(tensor.bytes(), MAX_TOTAL_BYTES + 1));
            if (totalBytes > MAX_TOTAL_BYTES) {
                throw fail("/tensors/" + i + "/bytes", describe(tensor) + " has bytes " + tensor.bytes()
                        + ", which takes the tensors' total past the limit of 2^50 bytes (1 PiB)");
            }
        }
    }

    private void checkOps() {
        if (ops.isEmpty()) {
            throw fail("/ops", "a trace needs at least one op");
        }
        long totalNs = 0;
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op.index() != i) {
                throw fail("/ops/" + i + "/index", "the op at position " + i + " has index " + op.index()
                        + "; op indices must count up from 0 in order");
            }
            if (op.durationNs() < 0) {
                throw fail("/ops/" + i + "/durationNs", describe(op) + " has durationNs " + op.durationNs()
                        + "; durations must not be negative");
            }
            totalNs = Math.addExact(totalNs, Math.min(op.durationNs(), MAX_TOTAL_DURATION_NS + 1));
            if (totalNs > MAX_TOTAL_DURATION_NS) {
                throw fail("/ops/" + i + "/durationNs", describe(op) + " has durationNs " + op.durationNs()
                        + ", which takes the ops' total past the limit of 2^50 ns (about 13 days)");
            }
            checkKnown(op, "uses", "uses", op.uses());
            checkKnown(op, "allocs", "allocates", op.allocs());
            checkKnown(op, "frees", "frees", op.frees());
        }
    }

    private void checkKnown(Op op, String list, String verb, int[] ids) {
        for (int k = 0; k < ids.length; k++) {
            if (trace.slotOf(ids[k]) < 0) {
                throw fail(pointer(op.index(), list, k), describe(op) + " " + verb + " unknown tensor " + ids[k]);
            }
        }
    }

    private void checkIterations() {
        List<Iteration> iterations = trace.iterations();
        if (iterations.isEmpty()) {
            throw fail("/iterations", "a trace needs at least one iteration");
        }
        long previousEnd = 0;
        for (int i = 0; i < iterations.size(); i++) {
            Iteration iteration = iterations.get(i);
            String at = "/iterations/" + i;
            if (iteration.index() != i) {
                throw fail(at + "/index", "the iteration at position " + i + " has index " + iteration.index()
                        + "; iteration indices must count up from 0 in order");
            }
            if (iteration.firstOp() != previousEnd) {
                throw fail(at + "/firstOp", "iteration " + i + " starts at op " + iteration.firstOp() + " but "
                        + (i == 0 ? "the first iteration must start at op 0"
                                  : "iteration " + (i - 1) + " ends with op " + (previousEnd - 1)
                                    + "; iterations must cover the ops in order, without gaps or overlaps"));
            }
            if (iteration.opCount() <= 0) {
                throw fail(at + "/opCount", "iteration " + i + " has opCount " + iteration.opCount()
                        + "; every iteration needs at least one op");
            }
            previousEnd = (long) iteration.firstOp() + iteration.opCount();
            if (previousEnd > ops.size()) {
                throw fail(at + "/opCount", "iteration " + i + " covers ops " + iteration.firstOp() + " to "
                        + (previousEnd - 1) + " but the trace has only " + ops.size() + " ops");
            }
        }
        if (previousEnd != ops.size()) {
            throw fail("/iterations/" + (iterations.size() - 1) + "/opCount", "the last iteration ends with op "
                    + (previousEnd - 1) + " but the trace has " + ops.size() + " ops; the iterations must cover every op");
        }
    }

    private void checkLifetimes() {
        int[] allocatedBy = new int[tensors.size()];
        int[] freedBy = new int[tensors.size()];
        Arrays.fill(allocatedBy, -1);
        Arrays.fill(freedBy, -1);
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            int[] allocs = op.allocs();
            for (int k = 0; k < allocs.length; k++) {
                int slot = trace.slotOf(allocs[k]);
                Tensor tensor = tensors.get(slot);
                if (tensor.persistent()) {
                    throw fail(pointer(i, "allocs", k), describe(op) + " allocates persistent " + describe(tensor)
                            + "; a persistent tensor is live for the whole trace, so no op allocates or frees it");
                }
                if (allocatedBy[slot] >= 0) {
                    throw fail(pointer(i, "allocs", k), describe(op) + " allocates " + describe(tensor) + " again, after "
                            + (freedBy[slot] >= 0 ? describe(ops.get(freedBy[slot])) + " freed it"
                                                  : describe(ops.get(allocatedBy[slot])) + " allocated it")
                            + "; use a new tensor id per allocation");
                }
                if (freedBy[slot] >= 0) {
                    Op freeing = ops.get(freedBy[slot]);
                    throw fail(pointer(freeing.index(), "frees", indexOf(freeing.frees(), allocs[k])),
                            describe(freeing) + " frees " + describe(tensor) + " before " + describe(op)
                            + " allocates it");
                }
                allocatedBy[slot] = i;
            }
            int[] frees = op.frees();
            for (int k = 0; k < frees.length; k++) {
                int slot = trace.slotOf(frees[k]);
                Tensor tensor = tensors.get(slot);
                if (tensor.persistent()) {
                    throw fail(pointer(i, "frees", k), describe(op) + " frees persistent " + describe(tensor)
                            + "; a persistent tensor is live for the whole trace, so no op allocates or frees it");
                }
                if (freedBy[slot] >= 0) {
                    throw fail(pointer(i, "frees", k), describe(op) + " frees " + describe(tensor) + " again, after "
                            + describe(ops.get(freedBy[slot])) + " freed it");
                }
                freedBy[slot] = i;
            }
        }
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            int[] uses = op.uses();
            for (int k = 0; k < uses.length; k++) {
                int slot = trace.slotOf(uses[k]);
                if (allocatedBy[slot] > i) {
                    throw fail(pointer(i, "uses", k), describe(op) + " uses " + describe(tensors.get(slot))
                            + " before " + describe(ops.get(allocatedBy[slot])) + " allocates it");
                }
                if (freedBy[slot] >= 0 && freedBy[slot] < i) {
                    throw fail(pointer(i, "uses", k), describe(op) + " uses " + describe(tensors.get(slot))
                            + " after " + describe(ops.get(freedBy[slot])) + " freed it");
                }
            }
        }
    }

    private static int indexOf(int[] ids, int id) {
        for (int k = 0; k < ids.length; k++) {
            if (ids[k] == id) {
                return k;
            }
        }
        return -1;
    }

    private static String pointer(int op, String list, int position) {
        return "/ops/" + op + "/" + list + "/" + position;
    }

    private static String describe(Op op) {
        return "op " + op.index() + " (" + op.name() + ")";
    }

    private static String describe(Tensor tensor) {
        return "tensor " + tensor.id() + " (" + tensor.key() + ")";
    }

    private TraceFormatException fail(String pointer, String problem) {
        return new TraceFormatException(sourceName, locator.locate(pointer), pointer, problem);
    }
}
