package io.teraio.planner;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.TraceDigest;
import io.teraio.planner.sim.JobSimulation;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks a plan against the trace and hardware it is applied to, before anything moves.
 * Every problem is one line that starts with the origin (the plan file), then the entry
 * ({@code entry 4 (offload of tensor 17 'layers.3.w')}), then what is wrong.
 *
 * <p>The rules (docs/simulator.md lists them with their messages):
 * <ul>
 * <li>the plan's {@code opsPerIteration} is the workload's op count, and, when asked, its
 *     trace digest is the trace's;
 * <li>each entry names a tensor of the steady-state iteration by its id and key, the tensor
 *     is offloadable, its ops are ops of the iteration and its SSD exists and serves device 0;
 * <li>per tensor, in issue order, entries alternate offload and prefetch starting with an
 *     offload; a prefetch reads from where its offload wrote. A tensor resident across the
 *     iteration boundary ({@link Workload#wraps}) may stay offloaded across it: its last
 *     offload is closed by a wrapping prefetch ({@code issueAtOp > deadlineOp}), or by its
 *     first entry, a prefetch, in the next iteration. Other tensors have no wrapping prefetch,
 *     and their last offload may stay unpaired if no op needs the tensor after it;
 * <li>a tensor allocated or freed within the iteration is offloaded after its allocating op
 *     and is not moved after its freeing op;
 * <li>no op needs the tensor from the start of the offload's issue op until its prefetch's
 *     deadline op (so the offload comes after the previous use and the deadline is at or
 *     before the next use), and the prefetch is due before the tensor's next offload;
 * <li>simulated under the plan's hardware, the plan does not run out of device memory, its
 *     peak stays under the device's memory and host memory under {@code hostMemoryBytes}.
 * </ul>
 */
public final class PlanValidator {
    private PlanValidator() {
    }

    /** {@link #validate(Workload, Plan, Object, boolean)} without comparing the trace digest. */
    public static SimulationResult validate(Workload workload, Plan plan, Object origin) {
        return validate(workload, plan, origin, false);
    }

    /**
     * Checks every rule, the simulated ones last.
     *
     * @param origin      what the plan came from (its file), at the start of every message; may be null
     * @param checkDigest whether to compare the plan's trace digest with the workload's trace
     *                    (hashing the trace takes a while on large traces)
     * @return the simulation of the plan, so that callers need not simulate it again
     * @throws TeraioException with the first problem, one line
     */
    public static SimulationResult validate(Workload workload, Plan plan, Object origin, boolean checkDigest) {
        validateStructure(workload, plan, origin, checkDigest);
        return validateSimulated(workload, plan, origin);
    }

    /**
     * Checks the rules that need no simulation.
     *
     * @throws TeraioException with the first problem, one line
     */
    public static void validateStructure(Workload workload, Plan plan, Object origin, boolean checkDigest) {
        new Checker(workload, plan, origin, null, 0).run(checkDigest);
    }

    /**
     * Checks the plans of a job: each device's entries against its own workload (every rule that
     * needs no simulation, SSDs serving that device), then the devices simulated together must
     * not run out of device memory, exceed their devices' memory or the shared host memory cap.
     * A job of one device is {@link #validate(Workload, Plan, Object, boolean)}.
     *
     * @param workloads one per device of the plan, by device id
     * @return the devices simulated together
     * @throws TeraioException with the first problem, one line ({@code plan.json: device 1: entry 4 ...})
     */
    public static JobSimulation validateJob(List<Workload> workloads, JobPlan plan, Object origin,
                                            boolean checkDigest) {
        int count = requireOneWorkloadPerDevice(workloads, plan, origin);
        if (count == 1) {
            return JobSimulation.of(List.of(validate(workloads.get(0), plan.devices().get(0), origin, checkDigest)));
        }
        validateJobStructure(workloads, plan, origin, checkDigest);
        List<List<PlanEntry>> entries = new ArrayList<>(count);
        for (int d = 0; d < count; d++) {
            entries.add(plan.devices().get(d).entries());
        }
        JobSimulation result;
        try {
            result = Simulator.simulateJob(workloads, plan.hardware(), entries);
        } catch (TeraioException e) {
            throw new TeraioException(prefix(origin) + e.getMessage(), e);
        }
        String problem = jobProblem(result, plan.hardware());
        if (problem != null) {
            throw new TeraioException(prefix(origin) + problem);
        }
        return result;
    }

    /**
     * Checks each device's entries of a job plan against its workload with the rules that need
     * no simulation (those of {@link #validateStructure}, SSDs serving that device).
     *
     * @throws TeraioException with the first problem, one line ({@code plan.json: device 1: entry 4 ...})
     */
    public static void validateJobStructure(List<Workload> workloads, JobPlan plan, Object origin,
                                            boolean checkDigest) {
        int count = requireOneWorkloadPerDevice(workloads, plan, origin);
        for (int d = 0; d < count; d++) {
            new Checker(workloads.get(d), plan.devices().get(d), prefix(origin) + "device " + d, null, d)
                    .run(checkDigest);
        }
    }

    private static int requireOneWorkloadPerDevice(List<Workload> workloads, JobPlan plan, Object origin) {
        int count = plan.devices().size();
        if (workloads.size() != count) {
            throw new TeraioException(prefix(origin) + "the plan is for " + count + (count == 1 ? " device" : " devices")
                    + ", but " + workloads.size() + (workloads.size() == 1 ? " trace was" : " traces were")
                    + " given (one per device, in device order)");
        }
        return count;
    }

    /** What keeps a job's simulation from being a valid run, or {@code null}. */
    public static String jobProblem(JobSimulation result, HardwareProfile hardware) {
        if (!result.ran()) {
            return "simulating the plan: " + result.outOfMemory();
        }
        if (result.hostMemoryViolation() != null) {
            return "simulating the plan: " + result.hostMemoryViolation();
        }
        for (int d = 0; d < result.devices().size(); d++) {
            String problem = peakProblem(result.devices().get(d), hardware, d);
            if (problem != null) {
                return "simulating the plan: device " + d + ": " + problem;
            }
        }
        return null;
    }

    /**
     * Simulates the plan on its hardware and checks that it does not run out of device memory
     * or exceed the host memory cap. Assumes {@link #validateStructure} passed.
     *
     * @return the simulation
     * @throws TeraioException with the problem, one line
     */
    public static SimulationResult validateSimulated(Workload workload, Plan plan, Object origin) {
        String prefix = prefix(origin);
        SimulationResult result;
        try {
            result = Simulator.simulate(workload, plan.hardware(), plan.entries());
        } catch (TeraioException e) {
            throw new TeraioException(prefix + e.getMessage(), e);
        }
        String problem = simulatedProblem(result, plan.hardware());
        if (problem != null) {
            throw new TeraioException(prefix + problem);
        }
        return result;
    }

    /**
     * Every problem of the plan, one line each, in the order {@link #validate} would find the
     * first: the header, each entry's fields, each tensor's entries (one problem per tensor),
     * then, only if there was none of those, the simulated checks.
     */
    public static List<String> problems(Workload workload, Plan plan, Object origin, boolean checkDigest) {
        List<String> problems = new ArrayList<>();
        new Checker(workload, plan, origin, problems, 0).run(checkDigest);
        if (problems.isEmpty()) {
            try {
                validateSimulated(workload, plan, origin);
            } catch (TeraioException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    private static String simulatedProblem(SimulationResult result, HardwareProfile hardware) {
        if (!result.ran()) {
            return "simulating the plan: " + result.outOfMemory();
        }
        if (result.hostMemoryViolation() != null) {
            return "simulating the plan: " + result.hostMemoryViolation();
        }
        String peak = peakProblem(result, hardware, 0);
        return peak == null ? null : "simulating the plan: " + peak;
    }

    private static String peakProblem(SimulationResult result, HardwareProfile hardware, int device) {
        long peak = result.prediction().peakDeviceBytes();
        long capacity = hardware.devices().get(device).memoryBytes();
        if (peak > capacity) {
            return "its peak device memory " + Units.formatBytes(peak) + " exceeds the device's "
                    + Units.formatBytes(capacity);
        }
        return null;
    }

    private static String prefix(Object origin) {
        return origin == null ? "" : origin + ": ";
    }

    /** The structural checks; throws at the first problem, or collects them all. */
    private static final class Checker {
        private final Workload w;
        private final Plan plan;
        private final List<PlanEntry> entries;
        private final String prefix;
        private final List<String> problems;
        private final int n;
        /** The device the plan is for: its SSDs must serve it. */
        private final int device;

        Checker(Workload w, Plan plan, Object origin, List<String> problems, int device) {
            this.device = device;
            this.w = w;
            this.plan = plan;
            this.entries = plan.entries();
            this.prefix = prefix(origin);
            this.problems = problems;
            this.n = w.opCount();
        }

        private void add(String message) {
            if (problems == null) {
                throw new TeraioException(prefix + message);
            }
            problems.add(prefix + message);
        }

        private void entryProblem(int index, String message) {
            add(EntryReferences.describe(index, entries.get(index)) + ": " + message);
        }

        void run(boolean checkDigest) {
            if (plan.opsPerIteration() != n) {
                add("the plan is for " + plan.opsPerIteration() + " ops per iteration, but the trace's steady-state"
                        + " iteration has " + n);
            }
            if (checkDigest) {
                String sha = TraceDigest.sha256(w.trace());
                if (!sha.equals(plan.traceSha256())) {
                    add("the plan was made for the trace with sha256 " + plan.traceSha256() + ", not this one ("
                            + sha + ")");
                }
            }
            int m = entries.size();
            int[] slot = new int[m];
            for (int i = 0; i < m; i++) {
                slot[i] = -1;
                String problem = fieldProblem(entries.get(i));
                if (problem != null) {
                    entryProblem(i, problem);
                } else {
                    slot[i] = w.trace().slotOf(entries.get(i).tensor());
                }
            }
            checkSequences(slot);
        }

        private String fieldProblem(PlanEntry e) {
            HardwareProfile hardware = plan.hardware();
            String problem = EntryReferences.problem(w, hardware.ssds().size(), e);
            if (problem != null) {
                return problem;
            }
            int t = w.trace().slotOf(e.tensor());
            String key = w.tensor(t).key();
            if (!key.equals(e.key())) {
                return "the trace's tensor " + e.tensor() + " has key '" + key + "', not '" + e.key() + "'";
            }
            if (!w.offloadable(t)) {
                return "tensor " + e.tensor() + " is not offloadable (the trace says its memory is not released"
                        + " when it moves)";
            }
            if (e.target() == PlanTarget.SSD) {
                Ssd ssd = hardware.ssds().get(e.ssd());
                if (ssd.device() >= 0 && ssd.device() != device) {
                    return "ssd " + e.ssd() + " serves device " + ssd.device() + ", not device " + device;
                }
            }
            return null;
        }

        /** Groups the well-formed entries by tensor, in issue order, and checks each tensor's sequence. */
        private void checkSequences(int[] slot) {
            int m = slot.length;
            // Stable counting sorts: by issue op, then by tensor slot.
            int[] byOp = new int[n + 1];
            for (int i = 0; i < m; i++) {
                if (slot[i] >= 0) {
                    byOp[entries.get(i).issueAtOp() + 1]++;
                }
            }
            for (int k = 0; k < n; k++) {
                byOp[k + 1] += byOp[k];
            }
            int[] issueOrder = new int[byOp[n]];
            for (int i = 0; i < m; i++) {
                if (slot[i] >= 0) {
                    issueOrder[byOp[entries.get(i).issueAtOp()]++] = i;
                }
            }
            int tensors = w.tensorCount();
            int[] start = new int[tensors + 1];
            for (int i : issueOrder) {
                start[slot[i] + 1]++;
            }
            for (int t = 0; t < tensors; t++) {
                start[t + 1] += start[t];
            }
            int[] grouped = new int[issueOrder.length];
            int[] fill = Arrays.copyOf(start, tensors);
            for (int i : issueOrder) {
                grouped[fill[slot[i]]++] = i;
            }
            boolean[] checked = new boolean[tensors];
            for (int i = 0; i < m; i++) {
                int t = slot[i];
                if (t >= 0 && !checked[t]) {
                    checked[t] = true;
                    checkTensor(t, Arrays.copyOfRange(grouped, start[t], start[t + 1]));
                }
            }
        }

        /** Checks one tensor's entries {@code g}, in issue order; reports at most one problem. */
        private void checkTensor(int t, int[] g) {
            int m = g.length;
            boolean wraps = w.wraps(t);
            for (int e : g) {
                PlanEntry entry = entries.get(e);
                if (entry.action() == PlanAction.PREFETCH && entry.issueAtOp() > entry.deadlineOp() && !wraps) {
                    entryProblem(e, "wraps into the next iteration (issueAtOp " + entry.issueAtOp() + " > deadlineOp "
                            + entry.deadlineOp() + "), but tensor " + entry.tensor()
                            + " is not resident across the iteration boundary");
                    return;
                }
            }
            // The cycle starts with an offload: a wrapping tensor's last offload, closed by its
            // first entry in the next iteration, moves to the front (one iteration earlier).
            int[] seq = g;
            int[] base = new int[m];
            if (wraps && m >= 2 && isPrefetch(g[0]) && !isPrefetch(g[m - 1])) {
                seq = new int[m];
                seq[0] = g[m - 1];
                System.arraycopy(g, 0, seq, 1, m - 1);
                base[0] = -n;
            }
            for (int j = 0; j < m; j++) {
                if (j % 2 == 0 && isPrefetch(seq[j])) {
                    entryProblem(seq[j], "no offload of the tensor comes before it (a tensor's entries alternate"
                            + " offload, prefetch, starting with an offload)");
                    return;
                }
                if (j % 2 == 1 && !isPrefetch(seq[j])) {
                    entryProblem(seq[j], "the tensor is already offloaded by entry " + seq[j - 1] + " (a tensor's"
                            + " entries alternate offload, prefetch)");
                    return;
                }
            }
            int firstOffload = entries.get(seq[0]).issueAtOp() + base[0];
            for (int j = 0; j < m; j += 2) {
                int o = seq[j];
                int p = j + 1 < m ? seq[j + 1] : -1;
                int nextOffload = j + 2 < m ? entries.get(seq[j + 2]).issueAtOp()
                        : wraps ? firstOffload + n : Integer.MAX_VALUE;
                int nextOffloadEntry = j + 2 < m ? seq[j + 2] : seq[0];
                if (!checkPair(t, o, entries.get(o).issueAtOp() + base[j], p, nextOffload, nextOffloadEntry)) {
                    return;
                }
            }
        }

        /**
         * Checks the offload {@code o} issued at position {@code oPos} (an op index, negative when
         * in the previous iteration) and its prefetch {@code p} (-1 if none).
         */
        private boolean checkPair(int t, int o, int oPos, int p, int nextOffload, int nextOffloadEntry) {
            PlanEntry off = entries.get(o);
            PlanEntry pre = p >= 0 ? entries.get(p) : null;
            if (pre != null && (pre.target() != off.target()
                    || (pre.target() == PlanTarget.SSD && pre.ssd() != off.ssd()))) {
                entryProblem(p, "reads from " + where(pre) + ", but entry " + o + " wrote the tensor to " + where(off));
                return false;
            }
            if (!w.wraps(t)) {
                int alloc = w.allocOp(t);
                int free = w.freeOp(t);
                if (alloc >= 0 && off.issueAtOp() <= alloc) {
                    entryProblem(o, "issued at op " + off.issueAtOp() + ", before the tensor is allocated by op "
                            + opName(alloc));
                    return false;
                }
                if (free < n && off.issueAtOp() > free) {
                    entryProblem(o, "issued at op " + off.issueAtOp() + ", after the tensor is freed by op "
                            + opName(free));
                    return false;
                }
                if (pre != null && free < n && pre.deadlineOp() > free) {
                    entryProblem(p, "due at op " + pre.deadlineOp() + ", after the tensor is freed by op "
                            + opName(free));
                    return false;
                }
            }
            int pPos = pre == null ? 0 : pre.issueAtOp();
            int due = pre == null ? 0 : pre.issueAtOp() > pre.deadlineOp() ? pre.deadlineOp() + n : pre.deadlineOp();
            if (pre != null && due >= nextOffload) {
                entryProblem(p, "due at op " + at(due) + ", but entry " + nextOffloadEntry
                        + " offloads the tensor again at op " + at(nextOffload)
                        + " (migrations of one tensor must not overlap)");
                return false;
            }
            int end = pre != null ? due : w.wraps(t) ? oPos + n : n;
            int use = firstUse(w.useOps(t), oPos, end);
            if (use == Integer.MAX_VALUE) {
                return true;
            }
            if (pre == null) {
                entryProblem(o, "op " + opName(Math.floorMod(use, n)) + " needs the tensor after this offload is"
                        + " issued at op " + at(oPos) + ", and no prefetch brings it back");
            } else if (use < pPos) {
                entryProblem(o, "op " + opName(Math.floorMod(use, n)) + " needs the tensor after this offload is"
                        + " issued at op " + at(oPos) + " and before entry " + p + " prefetches it at op " + at(pPos));
            } else {
                entryProblem(p, "due at op " + at(due) + ", after the tensor's next use by op "
                        + opName(Math.floorMod(use, n)));
            }
            return false;
        }

        /**
         * The first position in {@code [from, to)} (op indices unrolled over consecutive
         * iterations) of an op in {@code uses}, or {@link Integer#MAX_VALUE}.
         */
        private int firstUse(int[] uses, int from, int to) {
            for (int base = Math.floorDiv(from, n) * n; base < to; base += n) {
                int i = Arrays.binarySearch(uses, Math.max(from - base, 0));
                i = i >= 0 ? i : -i - 1;
                if (i < uses.length && uses[i] + base < to) {
                    return uses[i] + base;
                }
            }
            return Integer.MAX_VALUE;
        }

        private boolean isPrefetch(int e) {
            return entries.get(e).action() == PlanAction.PREFETCH;
        }

        private String opName(int k) {
            return k + " (" + w.opName(k) + ")";
        }

        /** An unrolled op position as text: {@code 12}, {@code 12 of the next iteration}. */
        private String at(int position) {
            int k = Math.floorMod(position, n);
            return position < 0 ? k + " of the previous iteration" : position >= n ? k + " of the next iteration"
                    : String.valueOf(k);
        }

        private static String where(PlanEntry e) {
            return e.target() == PlanTarget.HOST ? "host memory" : "ssd " + e.ssd();
        }
    }
}
