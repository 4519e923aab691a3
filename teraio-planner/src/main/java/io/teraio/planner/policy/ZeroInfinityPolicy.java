package io.teraio.planner.policy;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.planner.Policy;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ZeRO-Infinity (SC'21) as a baseline: model states (persistent parameters, gradients and
 * optimizer state that are offloadable) live on NVMe, striped round-robin over the SSDs
 * (host memory if there is no SSD); each is offloaded right after every use and prefetched
 * one layer ahead of its next use. Activations and everything else stay on the device. It
 * neither looks at the capacity nor at bandwidth: it is a fixed schedule.
 *
 * <p><b>Layers.</b> A tensor's layer is its key up to the end of the first run of digits
 * ({@code layer0.qkv.adam.m} is in {@code layer0}, {@code model.layers.12.mlp.w1} in
 * {@code model.layers.12}); a key without digits is a layer of its own. Walking the ops in
 * order, a new <em>block</em> starts at each op that uses a model state of another layer than
 * the current block's (ops that use none stay in the current block), so forward, backward
 * and optimizer passes over a layer are separate blocks. A model state used at op {@code v}
 * is prefetched at the first op of the block {@code lookahead} blocks before {@code v}'s
 * (cyclically: the first blocks of an iteration prefetch during the end of the previous
 * one). A period too short for that (the prefetch would be issued at or before the
 * offload's op) is not moved.
 */
public final class ZeroInfinityPolicy implements Policy {
    public static final String NAME = "zero-infinity";

    private static final Pattern LAYER = Pattern.compile("^[^0-9]*[0-9]+");

    private final int lookaheadBlocks;

    /** Prefetches one layer ahead. */
    public ZeroInfinityPolicy() {
        this(1);
    }

    /**
     * @param lookaheadBlocks how many blocks (layers) ahead of a use its prefetch is issued (positive)
     */
    public ZeroInfinityPolicy(int lookaheadBlocks) {
        if (lookaheadBlocks < 1) {
            throw new IllegalArgumentException("zero-infinity: lookaheadBlocks must be positive, got " + lookaheadBlocks);
        }
        this.lookaheadBlocks = lookaheadBlocks;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Whether ZeRO-Infinity moves tensor {@code t}: persistent model states. */
    static boolean moves(Workload workload, int t) {
        TensorKind kind = workload.tensor(t).kind();
        return workload.persistent(t) && (kind == TensorKind.PARAMETER || kind == TensorKind.GRADIENT
                || kind == TensorKind.OPTIMIZER_STATE);
    }

    /** The layer a key belongs to: up to the end of its first run of digits, else the whole key. */
    static String layerOf(String key) {
        Matcher m = LAYER.matcher(key);
        return m.find() ? m.group() : key;
    }

    @Override
    public List<PlanEntry> plan(Workload workload, HardwareProfile hardware) {
        CostModel model = CostModel.forPlanning(workload, hardware);
        Periods periods = Periods.of(workload, t -> moves(workload, t));
        int n = workload.opCount();
        int[] blockStart = blocks(workload, periods);
        int blocks = blockStart.length;
        if (blocks < 2) {
            return List.of();
        }
        int[] blockOf = blockOfOp(blockStart, n);
        Map<Integer, Integer> optionOf = new HashMap<>();
        int stripes = model.ssdCount();
        List<PlanEntry> entries = new ArrayList<>();
        for (int p = 0; p < periods.size(); p++) {
            int lastUse = periods.lastUse(p);
            int nextUse = periods.nextUse(p);
            int block = blockOf[nextUse % n];
            int ahead = Math.floorMod(block - lookaheadBlocks, blocks);
            // The unrolled position of that block's start, at or before the next use.
            int prefetchAt = blockStart[ahead] + (nextUse >= n ? n : 0);
            while (prefetchAt >= nextUse) {
                prefetchAt -= n;
            }
            if (prefetchAt < lastUse + 2) {
                continue;
            }
            int t = periods.tensor(p);
            int option = stripes == 0 ? model.hostOption()
                    : optionOf.computeIfAbsent(t, x -> optionOf.size() % stripes);
            Tensor tensor = workload.tensor(t);
            int offloadAt = lastUse + 1;
            entries.add(new PlanEntry(tensor.id(), tensor.key(), PlanAction.OFFLOAD, model.target(option),
                    model.ssdId(option), offloadAt % n, prefetchAt % n, prefetchAt - offloadAt <= 1));
            entries.add(new PlanEntry(tensor.id(), tensor.key(), PlanAction.PREFETCH, model.target(option),
                    model.ssdId(option), prefetchAt % n, nextUse % n, nextUse - prefetchAt <= 1));
        }
        return GreedyState.inIssueOrder(entries);
    }

    /** The first op of each block, ascending. */
    private static int[] blocks(Workload workload, Periods periods) {
        boolean[] moved = new boolean[workload.tensorCount()];
        for (int p = 0; p < periods.size(); p++) {
            moved[periods.tensor(p)] = true;
        }
        List<Integer> starts = new ArrayList<>();
        String current = null;
        for (int k = 0; k < workload.opCount(); k++) {
            for (int t : workload.needs(k)) {
                if (moved[t]) {
                    String layer = layerOf(workload.tensor(t).key());
                    if (!layer.equals(current)) {
                        starts.add(k);
                        current = layer;
                    }
                    break;
                }
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The block of every op; ops before the first block belong to the last one (the iteration is cyclic). */
    private static int[] blockOfOp(int[] blockStart, int n) {
        int[] blockOf = new int[n];
        int block = blockStart.length - 1;
        int next = 0;
        for (int k = 0; k < n; k++) {
            if (next < blockStart.length && blockStart[next] == k) {
                block = next++;
            }
            blockOf[k] = block;
        }
        return blockOf;
    }
}
