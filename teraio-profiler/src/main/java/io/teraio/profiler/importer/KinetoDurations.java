package io.teraio.profiler.importer;

import io.teraio.core.TeraioException;
import io.teraio.profiler.importer.KinetoImporter.CpuOp;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU ops of a Kineto (Chrome) trace with the GPU time each launched, and the alignment
 * of an execution trace's ops onto them by op sequence (the two traces number their ops
 * differently).
 *
 * <p>The trace is read by {@link KinetoImporter#read}. The Kineto ops are its {@code cpu_op}
 * and {@code user_annotation} spans (but {@code ProfilerStep#N}) in start order (a parent
 * before the children that start with it). {@link #match} walks the execution
 * trace's ops in id order and takes for each the next Kineto op of the same name within
 * {@value #WINDOW} ops; the start in the Kineto trace is chosen among the ops named like the
 * first execution-trace op, by fewest unmatched ops, then most equal autograd sequence numbers
 * ({@code seq_id} against {@code Sequence number}, which pins the profiled step when the
 * Kineto trace holds several), then earliest. Each {@code kernel}, {@code gpu_memcpy} or
 * {@code gpu_memset} event is tied by its {@code correlation} to the {@code cuda_runtime}
 * launch with the same correlation, and its time goes to the innermost <em>matched</em> op
 * on the launching thread whose span contains the launch.
 */
final class KinetoDurations {
    /** How far ahead in the Kineto ops the next op of an execution trace is looked for. */
    static final int WINDOW = 256;

    /** Less than this fraction of execution-trace ops found: not the same run. */
    static final double MIN_MATCHED_FRACTION = 0.5;

    private final String file;
    /** Kineto ops in start order (ties: the longer first). */
    private final List<CpuOp> ops;
    private final Map<Integer, List<Launch>> launchesByThread;
    private final Map<Long, Double> kernelUsByCorrelation;
    private final double totalKernelUs;

    private record Launch(double tsUs, long correlation) {
    }

    /**
     * The alignment: per execution-trace op, the GPU time in ns its matched Kineto op launched
     * (its nested unmatched ops included), or -1 where it found no match.
     *
     * @param gpuNs          per op, ns or -1
     * @param matched        ops matched
     * @param firstKineto    index of the first matched Kineto op among {@code kinetoOps}
     * @param kinetoOps      Kineto ops in the file
     * @param seqAgreed      matched pairs whose sequence numbers are equal
     * @param seqCompared    matched pairs that both carry a sequence number
     * @param kernelNs       GPU time of all kernels in the file
     * @param attributedNs   GPU time given to matched ops
     */
    record Alignment(double[] gpuNs, int matched, int firstKineto, int kinetoOps, int seqAgreed, int seqCompared,
                     double kernelNs, double attributedNs) {
    }

    private KinetoDurations(String file, List<CpuOp> ops, Map<Integer, List<Launch>> launchesByThread,
                            Map<Long, Double> kernelUsByCorrelation) {
        this.file = file;
        this.ops = ops;
        this.launchesByThread = launchesByThread;
        this.kernelUsByCorrelation = kernelUsByCorrelation;
        double total = 0;
        for (double us : kernelUsByCorrelation.values()) {
            total += us;
        }
        this.totalKernelUs = total;
    }

    /**
     * Reads the CPU ops, launches and kernels of a Kineto trace.
     *
     * @throws TeraioException if the file is missing, truncated, not a Chrome trace or has no CPU ops
     */
    static KinetoDurations read(Path file, LongConsumer bytesRead) {
        String name = file.toString();
        KinetoImporter.Events events = KinetoImporter.read(file, name, bytesRead);
        List<CpuOp> ops = new ArrayList<>(events.cpuOps);
        ops.addAll(events.annotations);
        if (ops.isEmpty()) {
            throw new TeraioException(name + ": no cpu_op events to match the execution trace's ops against");
        }
        ops.sort((a, b) -> a.ts() != b.ts() ? Double.compare(a.ts(), b.ts()) : Double.compare(b.end(), a.end()));
        Map<Integer, List<Launch>> launchesByThread = new HashMap<>();
        for (Map.Entry<Long, KinetoImporter.Launch> launch : events.launches.entrySet()) {
            launchesByThread.computeIfAbsent(launch.getValue().thread(), t -> new ArrayList<>())
                    .add(new Launch(launch.getValue().ts(), launch.getKey()));
        }
        for (List<Launch> launches : launchesByThread.values()) {
            launches.sort((a, b) -> a.tsUs() != b.tsUs() ? Double.compare(a.tsUs(), b.tsUs())
                    : Long.compare(a.correlation(), b.correlation()));
        }
        Map<Long, Double> kernelUsByCorrelation = new HashMap<>();
        for (KinetoImporter.Kernel kernel : events.kernels) {
            if (kernel.correlation() >= 0) {
                kernelUsByCorrelation.merge(kernel.correlation(), kernel.dur(), Double::sum);
            }
        }
        return new KinetoDurations(name, ops, launchesByThread, kernelUsByCorrelation);
    }

    /**
     * Aligns an execution trace's ops (in id order) onto this trace's ops.
     *
     * @param names op names, interned or not
     * @param seqs  autograd sequence numbers, -1 where an op has none
     * @throws TeraioException if fewer than {@value #MIN_MATCHED_FRACTION} of the ops are found
     */
    Alignment match(String[] names, long[] seqs) {
        Map<String, List<Integer>> positions = new HashMap<>();
        for (int k = 0; k < ops.size(); k++) {
            positions.computeIfAbsent(ops.get(k).name(), n -> new ArrayList<>()).add(k);
        }
        int anchor = 0;
        while (anchor < names.length && !positions.containsKey(names[anchor])) {
            anchor++;
        }
        int bestStart = -1;
        int bestMisses = Integer.MAX_VALUE;
        int bestAgreed = -1;
        if (anchor < names.length) {
            for (int start : positions.get(names[anchor])) {
                long result = align(names, seqs, anchor, start, bestMisses, null);
                if (result < 0) {
                    continue;
                }
                int misses = (int) (result >>> 32);
                int agreed = (int) result;
                if (misses < bestMisses || (misses == bestMisses && agreed > bestAgreed)) {
                    bestStart = start;
                    bestMisses = misses;
                    bestAgreed = agreed;
                }
            }
        }
        int[] kinetoOf = new int[names.length];
        Arrays.fill(kinetoOf, -1);
        if (bestStart >= 0) {
            align(names, seqs, anchor, bestStart, Integer.MAX_VALUE, kinetoOf);
        }
        int matched = 0;
        int compared = 0;
        for (int i = 0; i < names.length; i++) {
            if (kinetoOf[i] >= 0) {
                matched++;
                compared += seqs[i] >= 0 && ops.get(kinetoOf[i]).sequence() >= 0 ? 1 : 0;
            }
        }
        if (matched < MIN_MATCHED_FRACTION * names.length) {
            throw new TeraioException(String.format(Locale.ROOT,
                    "%s: only %,d of the execution trace's %,d ops appear in this Kineto trace in the same order;"
                            + " is it the Kineto trace of the same run?", file, matched, names.length));
        }

        double[] usOfKineto = attribute(kinetoOf);
        double[] gpuNs = new double[names.length];
        double attributedUs = 0;
        for (int i = 0; i < names.length; i++) {
            gpuNs[i] = kinetoOf[i] < 0 ? -1 : usOfKineto[kinetoOf[i]] * 1000.0;
            attributedUs += kinetoOf[i] < 0 ? 0 : usOfKineto[kinetoOf[i]];
        }
        return new Alignment(gpuNs, matched, bestStart, ops.size(), bestAgreed, compared, totalKernelUs * 1000.0,
                attributedUs * 1000.0);
    }

    /**
     * One greedy alignment from ET op {@code from} and Kineto op {@code start}: misses in the
     * high 32 bits and sequence-number agreements in the low, or -1 once misses exceed
     * {@code maxMisses}. Fills {@code kinetoOf} when it is not null.
     */
    private long align(String[] names, long[] seqs, int from, int start, int maxMisses, int[] kinetoOf) {
        int misses = from;
        int agreed = 0;
        int next = start;
        for (int i = from; i < names.length; i++) {
            int found = -1;
            for (int k = next, end = Math.min(ops.size(), next + WINDOW); k < end; k++) {
                if (ops.get(k).name().equals(names[i])) {
                    found = k;
                    break;
                }
            }
            if (found < 0) {
                if (++misses > maxMisses) {
                    return -1;
                }
                continue;
            }
            if (seqs[i] >= 0 && seqs[i] == ops.get(found).sequence()) {
                agreed++;
            }
            if (kinetoOf != null) {
                kinetoOf[i] = found;
            }
            next = found + 1;
        }
        return ((long) misses << 32) | agreed;
    }

    /** Kernel µs per Kineto op: each launch's kernels go to the innermost matched op around it. */
    private double[] attribute(int[] kinetoOf) {
        boolean[] isMatched = new boolean[ops.size()];
        for (int k : kinetoOf) {
            if (k >= 0) {
                isMatched[k] = true;
            }
        }
        Map<Integer, List<Integer>> matchedByThread = new HashMap<>();
        for (int k = 0; k < ops.size(); k++) {
            if (isMatched[k]) {
                matchedByThread.computeIfAbsent(ops.get(k).thread(), t -> new ArrayList<>()).add(k);
            }
        }
        double[] us = new double[ops.size()];
        for (Map.Entry<Integer, List<Integer>> entry : matchedByThread.entrySet()) {
            List<Integer> threadOps = entry.getValue();
            Deque<Integer> open = new ArrayDeque<>();
            int next = 0;
            for (Launch launch : launchesByThread.getOrDefault(entry.getKey(), List.of())) {
                while (next < threadOps.size() && ops.get(threadOps.get(next)).ts() <= launch.tsUs()) {
                    CpuOp op = ops.get(threadOps.get(next));
                    while (!open.isEmpty() && ops.get(open.peek()).end() < op.ts()) {
                        open.pop();
                    }
                    open.push(threadOps.get(next++));
                }
                while (!open.isEmpty() && ops.get(open.peek()).end() < launch.tsUs()) {
                    open.pop();
                }
                Double kernelUs = kernelUsByCorrelation.get(launch.correlation());
                if (kernelUs != null && !open.isEmpty()) {
                    us[open.peek()] += kernelUs;
                }
            }
        }
        return us;
    }
}
