package io.teraio.replay;

import io.teraio.core.TeraioException;
import io.teraio.core.engine.EngineStats;
import io.teraio.core.engine.LaneStats;
import io.teraio.core.engine.MemoryRule;
import io.teraio.core.engine.MigrationEngine;
import io.teraio.core.engine.PlanRuntime;
import io.teraio.core.engine.ProfiledOps;
import io.teraio.core.engine.TensorState;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Trace;
import io.teraio.planner.Workload;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a plan for real: the steady-state iteration of a trace, op by op on one thread (the
 * compute stream), with the {@link MigrationEngine} moving real tensor bytes as the plan
 * says. Each op allocates its outputs in the engine's device memory, stamps them (a value per
 * 4 KiB page that names the tensor and the iteration), checks the stamps of the tensors it
 * uses, and then takes its (scaled) duration; before it runs, the {@link PlanRuntime} issues
 * the op's plan entries and waits for the tensors it needs. The state at the start is the
 * simulator's (docs/simulator.md, "The first iteration"), so measured and predicted times are
 * comparable: the runtime writes the tensors the plan keeps offloaded across the iteration
 * boundary out before the first iteration, and issues their wrapping prefetches as it starts.
 */
public final class TraceReplay {
    private static final int PAGE = 4096;
    /** An op that waited longer than this counts as stalled. */
    static final long STALL_THRESHOLD_NS = 20_000;
    /** The most bytes one stamp pass looks at through one view. */
    private static final int VIEW_BYTES = 1 << 30;

    private final Workload workload;
    private final List<PlanEntry> entries;
    private final MigrationEngine engine;
    private final ReplayOptions options;
    private final String[] keys;
    private final long[] keyHash;
    private final List<List<String>> needKeys;
    private final int[][] checks;
    private final long[] version;
    private long corrupt;

    /** Called after each iteration with its index and wall time. */
    @FunctionalInterface
    public interface Listener {
        void iterationDone(int iteration, long iterationNs);
    }

    private TraceReplay(Workload workload, List<PlanEntry> entries, MigrationEngine engine, ReplayOptions options) {
        this.workload = workload;
        this.entries = List.copyOf(entries);
        this.engine = engine;
        this.options = options;
        int tensors = workload.tensorCount();
        keys = new String[tensors];
        keyHash = new long[tensors];
        version = new long[tensors];
        Map<String, Integer> seen = new HashMap<>();
        for (int t = 0; t < tensors; t++) {
            if (!workload.inIteration(t)) {
                continue;
            }
            keys[t] = workload.tensor(t).key();
            keyHash[t] = mix(keys[t].hashCode() * 0x9E3779B97F4A7C15L + t);
            Integer other = seen.putIfAbsent(keys[t], t);
            if (other != null) {
                throw new TeraioException("tensors " + workload.tensorId(other) + " and " + workload.tensorId(t)
                        + " share the key '" + keys[t] + "'; a plan can only be replayed when keys are unique");
            }
        }
        int ops = workload.opCount();
        needKeys = new ArrayList<>(ops);
        checks = new int[ops][];
        for (int k = 0; k < ops; k++) {
            Set<Integer> allocated = new HashSet<>();
            for (int t : workload.allocs(k)) {
                allocated.add(t);
            }
            List<String> needs = new ArrayList<>();
            List<Integer> used = new ArrayList<>();
            for (int t : workload.needs(k)) {
                if (!allocated.contains(t)) {
                    needs.add(keys[t]);
                    used.add(t);
                }
            }
            needKeys.add(List.copyOf(needs));
            checks[k] = used.stream().mapToInt(Integer::intValue).toArray();
        }
        for (PlanEntry e : this.entries) {
            if (workload.trace().slotOf(e.tensor()) < 0) {
                throw new TeraioException("plan entry for tensor " + e.tensor() + " ('" + e.key()
                        + "'): the trace has no such tensor");
            }
        }
    }

    /**
     * A copy of {@code trace} with every op's duration multiplied by {@code timeScale}
     * (rounded), for replays that stretch time so the machine's overheads stay small.
     */
    public static Trace scaled(Trace trace, double timeScale) {
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new TeraioException("--time-scale: must be a positive number, got " + timeScale);
        }
        if (timeScale == 1.0) {
            return trace;
        }
        List<Op> ops = new ArrayList<>(trace.ops().size());
        for (Op op : trace.ops()) {
            ops.add(new Op(op.index(), op.name(), Math.round(op.durationNs() * timeScale), op.uses(), op.allocs(),
                    op.frees()));
        }
        return new Trace(trace.source(), trace.iterations(), trace.tensors(), ops);
    }

    /**
     * Replays {@code entries} over {@code workload} on {@code engine}, whose device memory
     * must be empty and hold the workload's tensors under the plan.
     *
     * @throws TeraioException if the tensors do not fit, an op waits for memory longer than the
     *                         options allow, or a read fails (naming tensor, file, offset, errno)
     */
    public static ReplayResult run(Workload workload, List<PlanEntry> entries, MigrationEngine engine,
                                   ReplayOptions options, Listener listener) {
        Objects.requireNonNull(engine, "engine");
        return new TraceReplay(workload, entries, engine, options).run(listener == null ? (i, ns) -> { } : listener);
    }

    private ReplayResult run(Listener listener) {
        int ops = workload.opCount();
        PlanRuntime runtime = new PlanRuntime(engine, entries, ProfiledOps.of(workload.trace()),
                MemoryRule.deviceMemory());
        EngineStats first = engine.stats();
        startState(runtime);
        List<Long> iterationNs = new ArrayList<>();
        long stall = 0;
        long memoryStall = 0;
        int stalled = 0;
        EngineStats lastStart = first;
        List<LaneStats> lanesAtStart = engine.io().laneStats();
        List<LaneStats> lanes = List.of();
        for (int it = 0; it < options.iterations(); it++) {
            boolean last = it == options.iterations() - 1;
            if (last) {
                lastStart = engine.stats();
                lanesAtStart = engine.io().laneStats();
                stall = 0;
                memoryStall = 0;
                stalled = 0;
            }
            long start = System.nanoTime();
            if (it > 0) {
                for (int t = 0; t < workload.tensorCount(); t++) {
                    if (workload.inIteration(t) && workload.allocOp(t) == -1 && workload.freeOp(t) < ops) {
                        long before = System.nanoTime();
                        DeviceBuffer buffer = allocate(t);
                        memoryStall += System.nanoTime() - before;
                        fill(t, buffer, it);
                    }
                }
            }
            for (int k = 0; k < ops; k++) {
                long waited = runtime.beforeOp(k, workload.opName(k), needKeys.get(k));
                int[] allocs = workload.allocs(k);
                DeviceBuffer[] outputs = new DeviceBuffer[allocs.length];
                long memoryWait = 0;
                for (int i = 0; i < allocs.length; i++) {
                    long before = System.nanoTime();
                    outputs[i] = allocate(allocs[i]);
                    memoryWait += System.nanoTime() - before;
                }
                // The op: it writes its outputs, reads its inputs, and takes its duration.
                long opStart = System.nanoTime();
                stall += waited;
                memoryStall += memoryWait;
                if (waited + memoryWait > STALL_THRESHOLD_NS) {
                    stalled++;
                }
                for (int i = 0; i < allocs.length; i++) {
                    fill(allocs[i], outputs[i], it);
                }
                if (options.checkBytes()) {
                    for (int t : checks[k]) {
                        check(t);
                    }
                }
                busyUntil(opStart + workload.durationNs(k));
                for (int t : workload.frees(k)) {
                    engine.free(keys[t]);
                }
            }
            for (int t = 0; t < workload.tensorCount(); t++) {
                if (workload.inIteration(t) && workload.allocOp(t) >= 0 && workload.freeOp(t) == ops) {
                    engine.free(keys[t]);
                }
            }
            runtime.endIteration(ops);
            long ns = System.nanoTime() - start;
            if (last) {
                List<LaneStats> now = engine.io().laneStats();
                lanes = new ArrayList<>(now.size());
                for (int i = 0; i < now.size(); i++) {
                    lanes.add(now.get(i).minus(lanesAtStart.get(i)));
                }
            }
            iterationNs.add(ns);
            listener.iterationDone(it, ns);
        }
        EngineStats last = engine.stats().minus(lastStart);
        drain();
        return new ReplayResult(iterationNs, workload.idealNs(), stall, memoryStall, stalled, last, lanes,
                engine.stats().minus(first), corrupt, engine.memory().peakUsedBytes());
    }

    /** Waits until no tensor is moving (the last iteration's offloads and wrapping prefetches). */
    private void drain() {
        for (String key : keys) {
            if (key == null) {
                continue;
            }
            TensorState state;
            while ((state = engine.state(key)) == TensorState.OFFLOADING || state == TensorState.PREFETCHING) {
                LockSupport.parkNanos(100_000);
            }
        }
    }

    /**
     * The simulator's starting state: the tensors the plan keeps offloaded are made and written
     * out one by one (by the runtime), then the other tensors resident from the start are made.
     */
    private void startState(PlanRuntime runtime) {
        boolean[] kept = new boolean[workload.tensorCount()];
        runtime.startState(k -> {
            int t = workload.trace().slotOf(k.tensor());
            if (!workload.inIteration(t) || !workload.wraps(t)) {
                return false;
            }
            kept[t] = true;
            fill(t, allocate(t), 0);
            return true;
        });
        for (int t = 0; t < workload.tensorCount(); t++) {
            if (workload.inIteration(t) && workload.allocOp(t) == -1 && !kept[t]) {
                fill(t, allocate(t), 0);
            }
        }
    }

    /** Allocates tensor {@code t}'s device memory, waiting for it if need be. */
    private DeviceBuffer allocate(int t) {
        try {
            return engine.memory().allocate(workload.bytes(t), options.memoryTimeoutNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TeraioException("replay interrupted while allocating tensor " + workload.tensorId(t));
        }
    }

    /** Stamps a new tensor's bytes for {@code iteration} and registers it, resident. */
    private void fill(int t, DeviceBuffer buffer, int iteration) {
        version[t] = iteration;
        stamp(buffer, t, true);
        engine.register(keys[t], buffer);
    }

    private void check(int t) {
        DeviceBuffer buffer = engine.acquire(keys[t]);
        if (!stamp(buffer, t, false)) {
            corrupt++;
        }
    }

    /** Writes (or, with {@code write} false, checks) the stamp of every whole page-start long. */
    private boolean stamp(DeviceBuffer buffer, int t, boolean write) {
        long bytes = buffer.bytes();
        long base = mix(keyHash[t] ^ version[t]);
        for (long from = 0; from < bytes; from += VIEW_BYTES) {
            int length = (int) Math.min(VIEW_BYTES, bytes - from);
            ByteBuffer view = buffer.hostView(from, length);
            if (view == null) {
                return true;
            }
            for (int at = 0; at + Long.BYTES <= length; at += PAGE) {
                long expected = base + (from + at) / PAGE;
                if (write) {
                    view.putLong(at, expected);
                } else if (view.getLong(at) != expected) {
                    return false;
                }
            }
        }
        return true;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Takes the op's time: parks while more than 200 µs remain, then spins. */
    private static void busyUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            if (left > 200_000) {
                LockSupport.parkNanos(left - 100_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }
}
