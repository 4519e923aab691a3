package io.teraio.core.engine;

import io.teraio.core.TeraioException;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.StartState;
import io.teraio.core.storage.DeviceBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes a plan against a stream of ops through a {@link MigrationEngine}, every iteration:
 * the one runtime behind the agent, the embedding API and {@code teraio replay}, which only
 * map their tensors to keys and report op boundaries.
 *
 * <ul>
 * <li><b>Ops</b>: the adapter reports each op ({@link #beforeOp}) and each iteration's end
 * ({@link #endIteration}). An op whose index is past the profiled ones or whose name is not
 * the profiled one ({@link ProfiledOps}; without names only the count is checked), or an
 * iteration with another op count, is a divergence: the plan stops applying until the
 * iteration ends, and it is counted. Offloaded tensors still come back when needed.
 * <li><b>Issuing</b>: before op {@code k}, its offloads (urgent first, then in list order; an
 * entry whose tensor is not RESIDENT is skipped), then the queued prefetches in plan order:
 * those left over from earlier ops, then op {@code k}'s (urgent first). A prefetch whose
 * offload is still being written waits for the write, as in the simulator; one whose tensor
 * is not OFFLOADED then is skipped; one whose bytes (with the bytes op {@code k} allocates)
 * do not fit under the {@link MemoryRule} waits while writes in flight can free memory, and
 * if it still does not fit stays queued, with those after it, for a later op.
 * <li><b>Waits</b>: then the prefetches due at op {@code k} (a wrapping one: the copy issued
 * in the previous iteration), the tensors the op needs (one that is offloaded with no
 * prefetch on its way is fetched at once: a miss, which first waits for its bytes to fit),
 * and the op's allocations to fit while writes are in flight. All of it is stall time.
 * <li><b>Start state</b>: {@link #startState} writes out the tensors the plan keeps
 * offloaded across the iteration boundary ({@link StartState}) and queues their wrapping
 * prefetches, so the first iteration starts as the simulator's does.
 * <li><b>Stats</b>: {@link RuntimeStats}.
 * </ul>
 *
 * <p>Not thread-safe: one compute thread drives it ({@link #stats()} may be read from any thread).
 */
public final class PlanRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(PlanRuntime.class);
    /** The longest one wait for writes or memory lasts; then the op runs anyway. */
    private static final long WAIT_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long POLL_NANOS = 20_000;

    private final MigrationEngine engine;
    private final List<PlanEntry> entries;
    private final ProfiledOps ops;
    private final MemoryRule memory;
    private final Consumer<String> stage;
    /** Entry indices by op: offloads and prefetches to issue (urgent first, then list order), prefetches due. */
    private final int[][] offloadsAt;
    private final int[][] prefetchesAt;
    private final int[][] dueAt;
    /** The last prefetch issued for each entry, until its deadline op waits for it. */
    private final List<CompletableFuture<Long>> lastPrefetch;
    /** Prefetches due to be issued that have not fitted yet, in plan order (entry indices). */
    private final ArrayDeque<Integer> queued = new ArrayDeque<>();
    private final long missesBefore;
    private boolean diverged;

    private final LongAdder issued = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder stallNs = new LongAdder();
    private final LongAdder stalledOps = new LongAdder();
    private final LongAdder divergences = new LongAdder();

    /**
     * A runtime for an adapter whose tensors the engine holds already (the session, replay).
     *
     * @see #PlanRuntime(MigrationEngine, List, ProfiledOps, MemoryRule, Consumer)
     */
    public PlanRuntime(MigrationEngine engine, List<PlanEntry> entries, ProfiledOps ops, MemoryRule memory) {
        this(engine, entries, ops, memory, key -> { });
    }

    /**
     * @param engine  the engine the entries go through
     * @param entries the plan's entries (op indices within one iteration of {@code ops})
     * @param ops     the op sequence the plan was made for
     * @param memory  whether bytes fit (see {@link MemoryRule})
     * @param stage   called with an offload's key just before it is issued, so that an adapter
     *                whose tensors the engine does not hold yet can hand one over (the agent
     *                takes an array's native tensor out of it and registers it)
     * @throws IllegalArgumentException for an entry whose ops are outside the iteration
     */
    public PlanRuntime(MigrationEngine engine, List<PlanEntry> entries, ProfiledOps ops, MemoryRule memory,
                       Consumer<String> stage) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.entries = List.copyOf(entries);
        this.ops = Objects.requireNonNull(ops, "ops");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.stage = Objects.requireNonNull(stage, "stage");
        int n = ops.count();
        List<List<Integer>> offloads = buckets(n);
        List<List<Integer>> prefetches = buckets(n);
        List<List<Integer>> due = buckets(n);
        this.lastPrefetch = new ArrayList<>(this.entries.size());
        for (int i = 0; i < this.entries.size(); i++) {
            PlanEntry e = this.entries.get(i);
            if (e.issueAtOp() < 0 || e.issueAtOp() >= n || e.deadlineOp() < 0 || e.deadlineOp() >= n) {
                throw new IllegalArgumentException("plan entry " + i + " (" + e.action().jsonName() + " of '"
                        + e.key() + "'): issueAtOp " + e.issueAtOp() + " and deadlineOp " + e.deadlineOp()
                        + " must be ops of the iteration (0 to " + (n - 1) + ")");
            }
            boolean offload = e.action() == PlanAction.OFFLOAD;
            (offload ? offloads : prefetches).get(e.issueAtOp()).add(i);
            if (!offload) {
                due.get(e.deadlineOp()).add(i);
            }
            lastPrefetch.add(null);
        }
        Comparator<Integer> urgentFirst = Comparator.comparing(i -> !this.entries.get(i).urgent());
        this.offloadsAt = toArrays(offloads, urgentFirst);
        this.prefetchesAt = toArrays(prefetches, urgentFirst);
        this.dueAt = toArrays(due, null);
        this.missesBefore = engine.stats().misses();
    }

    /**
     * Puts the plan's start state into effect before the first iteration it applies to: for
     * each tensor the plan keeps offloaded across the iteration boundary, {@code prepare}
     * makes the engine hold it, resident (or returns false when this run has no such tensor
     * resident across the boundary: it is left alone); it is written to where the plan keeps
     * it, and waited for; its wrapping prefetch is queued, to be issued before the first op.
     *
     * @return the number of tensors written out
     * @throws TeraioException when a tensor cannot be written out (the storage error is logged)
     */
    public int startState(Predicate<StartState.Kept> prepare) {
        int written = 0;
        for (StartState.Kept kept : StartState.of(entries).kept()) {
            if (!prepare.test(kept)) {
                continue;
            }
            long bytes = engine.tensors().bytes(kept.key());
            long moved = engine.offload(kept.key(), target(entries.get(kept.location())), false).join();
            if (engine.state(kept.key()) != TensorState.OFFLOADED || moved == 0 && bytes > 0) {
                throw new TeraioException("could not write tensor " + kept.tensor() + " ('" + kept.key()
                        + "') out before the first iteration; see the log for the storage error");
            }
            written++;
            if (kept.wrappingPrefetch() >= 0) {
                queued.add(kept.wrappingPrefetch());
            }
        }
        return written;
    }

    /**
     * The stream reached op {@code op} of the current iteration, named {@code name}, which
     * needs the tensors {@code needs} (keys the engine does not know are left alone): checks it
     * against the profiled ops, and while the iteration follows them issues the op's entries
     * and waits as the class comment says.
     *
     * @return the nanoseconds waited (0 when nothing had to be waited for)
     * @throws io.teraio.core.storage.StorageException when a needed tensor cannot be read back
     */
    public long beforeOp(int op, String name, Collection<String> needs) {
        if (diverged) {
            return 0;
        }
        if (op >= ops.count() || ops.names() != null && !ops.names().get(op).equals(name)) {
            diverge(op >= ops.count() ? "op " + op + " (" + name + ") is past the plan's " + ops.count() + " ops"
                    : "op " + op + " is " + name + ", the plan's is " + ops.names().get(op));
            return 0;
        }
        for (int index : offloadsAt[op]) {
            offload(index);
        }
        for (int index : prefetchesAt[op]) {
            queued.add(index);
        }
        long alloc = ops.allocBytes(op);
        long waitedNs = issueQueued(alloc);
        for (int index : dueAt[op]) {
            CompletableFuture<Long> prefetch = lastPrefetch.set(index, null);
            if (prefetch != null && !prefetch.isDone()) {
                long start = System.nanoTime();
                // a failed prefetch leaves the tensor OFFLOADED: its acquire fetches it and reports
                Futures.awaitQuietly(prefetch, "op " + op + " waiting for the prefetch of '"
                        + entries.get(index).key() + "'");
                waitedNs += System.nanoTime() - start;
            }
        }
        for (String key : needs) {
            TensorState state = engine.state(key);
            if (state == TensorState.RESIDENT) {
                engine.acquire(key);
            } else if (state != null) {
                long start = System.nanoTime();
                fetch(key);
                waitedNs += System.nanoTime() - start;
            }
        }
        waitedNs += admit(alloc);
        if (waitedNs > 0) {
            stallNs.add(waitedNs);
            stalledOps.increment();
        }
        return waitedNs;
    }

    /**
     * The iteration ended after {@code opCount} ops: another count than the profiled one is a
     * divergence (unless the iteration diverged already); the next iteration follows the plan.
     */
    public void endIteration(int opCount) {
        if (!diverged && opCount != ops.count()) {
            diverge("the iteration had " + opCount + " ops, the plan's has " + ops.count());
        }
        diverged = false;
    }

    /**
     * The tensor's buffer, resident, for a use outside {@link #beforeOp}'s needs (the agent
     * restores an array as it is touched): waits for a prefetch on its way; an offloaded
     * tensor (a miss) first waits for its bytes to fit, then is fetched at once. The time is
     * stall time.
     *
     * @throws io.teraio.core.storage.StorageException when the bytes cannot be read back
     */
    public DeviceBuffer acquire(String key) {
        if (engine.state(key) == TensorState.RESIDENT) {
            return engine.acquire(key);
        }
        long start = System.nanoTime();
        try {
            return fetch(key);
        } finally {
            stallNs.add(System.nanoTime() - start);
        }
    }

    public RuntimeStats stats() {
        return new RuntimeStats(issued.sum(), skipped.sum(), stallNs.sum(), stalledOps.sum(),
                engine.stats().misses() - missesBefore, divergences.sum());
    }

    /** Where an entry's tensor is written, as {@link MigrationEngine#offload} takes it: its SSD, or {@link IoEngine#HOST}. */
    private static int target(PlanEntry e) {
        return e.target() == PlanTarget.SSD ? e.ssd() : IoEngine.HOST;
    }

    private void diverge(String why) {
        diverged = true;
        divergences.increment();
        LOG.debug("the op sequence left the plan ({}); the plan stops applying until the iteration ends", why);
    }

    private void offload(int index) {
        PlanEntry e = entries.get(index);
        stage.accept(e.key());
        if (engine.state(e.key()) != TensorState.RESIDENT) {
            skipped.increment();
            return;
        }
        issued.increment();
        queued.removeIf(q -> entries.get(q).key().equals(e.key())); // read back already: this offload gets its own
        engine.offload(e.key(), target(e), e.urgent());
    }

    /** Issues the queued prefetches that fit beside {@code alloc} bytes, in order; returns the time waited. */
    private long issueQueued(long alloc) {
        long waitedNs = 0;
        while (!queued.isEmpty()) {
            int index = queued.peekFirst();
            PlanEntry e = entries.get(index);
            waitedNs += waitWhile(() -> engine.state(e.key()) == TensorState.OFFLOADING);
            if (engine.state(e.key()) != TensorState.OFFLOADED) {
                queued.removeFirst(); // resident again, or never offloaded: nothing to read
                skipped.increment();
                continue;
            }
            long bytes = engine.tensors().bytes(e.key());
            waitedNs += waitWhile(() -> !memory.fitsPrefetch(bytes, alloc) && memory.writesInFlight());
            if (!memory.fitsPrefetch(bytes, alloc)) {
                break;
            }
            queued.removeFirst();
            issued.increment();
            lastPrefetch.set(index, engine.prefetch(e.key(), e.urgent()));
        }
        return waitedNs;
    }

    /** Waits while {@code bytes} do not fit and writes in flight can still make room; returns the time waited. */
    private long admit(long bytes) {
        return waitWhile(() -> !memory.fits(bytes) && memory.writesInFlight());
    }

    /** Acquires a tensor that is not resident: a miss first waits for its bytes to fit. */
    private DeviceBuffer fetch(String key) {
        if (engine.state(key) == TensorState.OFFLOADED) {
            admit(engine.tensors().bytes(key));
        }
        return engine.acquire(key);
    }

    /** Polls {@code busy} until it is false, for at most {@link #WAIT_LIMIT_NANOS}; returns the time waited. */
    private static long waitWhile(BooleanSupplier busy) {
        if (!busy.getAsBoolean()) {
            return 0;
        }
        long start = System.nanoTime();
        while (busy.getAsBoolean() && System.nanoTime() - start < WAIT_LIMIT_NANOS) {
            LockSupport.parkNanos(POLL_NANOS);
        }
        return System.nanoTime() - start;
    }

    private static List<List<Integer>> buckets(int n) {
        List<List<Integer>> buckets = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            buckets.add(new ArrayList<>(0));
        }
        return buckets;
    }

    private static int[][] toArrays(List<List<Integer>> buckets, Comparator<Integer> order) {
        int[][] arrays = new int[buckets.size()][];
        for (int k = 0; k < arrays.length; k++) {
            List<Integer> bucket = buckets.get(k);
            if (order != null) {
                bucket.sort(order); // stable: list order among equals
            }
            arrays[k] = bucket.stream().mapToInt(Integer::intValue).toArray();
        }
        return arrays;
    }
}
