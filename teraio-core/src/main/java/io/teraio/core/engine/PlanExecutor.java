package io.teraio.core.engine;

import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Applies a plan's entries through a {@link MigrationEngine}, op by op, every iteration: the
 * compute thread calls {@link #beforeOp} at each op boundary. An entry that does not apply
 * when its op comes (the tensor is unknown, or not RESIDENT for an offload, not OFFLOADED
 * for a prefetch) is skipped and counted; a tensor needed but not brought back by a prefetch
 * is fetched at once by {@link MigrationEngine#acquire} (a miss). Not thread-safe: one
 * compute thread drives it ({@link #stats()} may be read from any thread).
 */
public final class PlanExecutor {
    private final MigrationEngine engine;
    private final List<PlanEntry> entries;
    private final int opsPerIteration;
    private final List<List<Integer>> issueAt;
    private final List<List<Integer>> dueAt;
    private final List<CompletableFuture<Long>> lastPrefetch;
    private final long missesBefore;

    private final LongAdder issued = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder stallNs = new LongAdder();
    private final LongAdder stalledOps = new LongAdder();

    /**
     * @param engine          the engine the entries go through
     * @param entries         the plan's entries, in issue order
     * @param opsPerIteration ops in one iteration of the plan's trace
     * @throws IllegalArgumentException for an entry whose ops are outside the iteration
     */
    public PlanExecutor(MigrationEngine engine, List<PlanEntry> entries, int opsPerIteration) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.entries = List.copyOf(entries);
        if (opsPerIteration < 1) {
            throw new IllegalArgumentException("plan executor: opsPerIteration must be positive, got "
                    + opsPerIteration);
        }
        this.opsPerIteration = opsPerIteration;
        this.issueAt = new ArrayList<>(opsPerIteration);
        this.dueAt = new ArrayList<>(opsPerIteration);
        for (int op = 0; op < opsPerIteration; op++) {
            issueAt.add(new ArrayList<>(0));
            dueAt.add(new ArrayList<>(0));
        }
        this.lastPrefetch = new ArrayList<>(this.entries.size());
        for (int i = 0; i < this.entries.size(); i++) {
            PlanEntry e = this.entries.get(i);
            if (e.issueAtOp() < 0 || e.issueAtOp() >= opsPerIteration || e.deadlineOp() < 0
                    || e.deadlineOp() >= opsPerIteration) {
                throw new IllegalArgumentException("plan entry " + i + " (" + e.action().jsonName() + " of '"
                        + e.key() + "'): issueAtOp " + e.issueAtOp() + " and deadlineOp " + e.deadlineOp()
                        + " must be ops of the iteration (0 to " + (opsPerIteration - 1) + ")");
            }
            issueAt.get(e.issueAtOp()).add(i);
            if (e.action() == PlanAction.PREFETCH) {
                dueAt.get(e.deadlineOp()).add(i);
            }
            lastPrefetch.add(null);
        }
        this.missesBefore = engine.stats().misses();
    }

    /**
     * The stream reached op {@code op} of the current iteration: issues the entries whose
     * issueAtOp is {@code op}, in list order; then waits until every prefetch due at
     * {@code op} has completed (for a prefetch that wraps, issueAtOp &gt; deadlineOp, the one
     * issued in the previous iteration) and every key in {@code needs} that the engine knows
     * is resident.
     *
     * @return the nanoseconds waited (0 when nothing had to be waited for)
     * @throws io.teraio.core.storage.StorageException when a needed tensor cannot be read back
     */
    public long beforeOp(int op, Collection<String> needs) {
        if (op < 0 || op >= opsPerIteration) {
            throw new IllegalArgumentException("beforeOp: op " + op + " is not an op of the iteration (0 to "
                    + (opsPerIteration - 1) + ")");
        }
        for (int index : issueAt.get(op)) {
            issue(index);
        }
        long waitedNs = 0;
        for (int index : dueAt.get(op)) {
            CompletableFuture<Long> prefetch = lastPrefetch.set(index, null);
            if (prefetch != null && !prefetch.isDone()) {
                long start = System.nanoTime();
                // a failed prefetch leaves the tensor OFFLOADED: its acquire fetches it and reports
                Futures.awaitQuietly(prefetch, "beforeOp " + op + " waiting for the prefetch of '"
                        + entries.get(index).key() + "'");
                waitedNs += System.nanoTime() - start;
            }
        }
        for (String key : needs) {
            TensorState state = engine.state(key);
            if (state == null) {
                continue;
            }
            if (state == TensorState.RESIDENT) {
                engine.acquire(key);
            } else {
                long start = System.nanoTime();
                engine.acquire(key);
                waitedNs += System.nanoTime() - start;
            }
        }
        if (waitedNs > 0) {
            stallNs.add(waitedNs);
            stalledOps.increment();
        }
        return waitedNs;
    }

    public ExecutorStats stats() {
        return new ExecutorStats(issued.sum(), skipped.sum(), stallNs.sum(), stalledOps.sum(),
                engine.stats().misses() - missesBefore);
    }

    /** Where an offload entry writes, as {@link MigrationEngine#offload} takes it: its SSD, or {@link IoEngine#HOST}. */
    public static int target(PlanEntry e) {
        return e.target() == PlanTarget.SSD ? e.ssd() : IoEngine.HOST;
    }

    private void issue(int index) {
        PlanEntry e = entries.get(index);
        TensorState state = engine.state(e.key());
        boolean offload = e.action() == PlanAction.OFFLOAD;
        if (state != (offload ? TensorState.RESIDENT : TensorState.OFFLOADED)) {
            skipped.increment();
            return;
        }
        issued.increment();
        if (offload) {
            engine.offload(e.key(), target(e), e.urgent());
        } else {
            lastPrefetch.set(index, engine.prefetch(e.key(), e.urgent()));
        }
    }
}
