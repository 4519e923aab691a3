package io.teraio.planner;

import io.teraio.core.TeraioException;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanTarget;
import io.teraio.core.plan.Prediction;
import io.teraio.planner.sim.JobSimulation;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Plans the devices of a job (docs/planner.md#several-devices). Each device plans alone with a
 * policy, on its <em>view</em> of the hardware: its own memory and PCIe link, the SSDs that serve
 * it (mapped to it, or shared: {@code device} -1) and host memory. The devices are then simulated
 * together ({@link Simulator#simulateJob}), where shared SSDs and the shared host memory cap
 * contend. When they did, each device plans again with what the simulation measured: a shared SSD
 * that {@code k} devices' plans used gives each device {@code 1/k} of its bandwidth, and host
 * memory, once the simulation went over its cap, is split evenly. This repeats until a round
 * planned with the same split as an earlier one (or {@link #MAX_ROUNDS}); the plans of the round
 * whose simulation was fastest and valid are kept, the earliest on a tie, so the result is never
 * slower than the devices planned independently (round 0) when those run together at all.
 *
 * <p>Devices with the same trace (by digest) and the same view up to the ids of their SSDs are
 * planned once: the plan of the first is the plan of the others, SSD ids mapped in order.
 */
public final class JobPlanner {
    /** The most planning rounds, the independent one included. */
    public static final int MAX_ROUNDS = 6;

    private JobPlanner() {
    }

    /**
     * One round: how the shared resources were split, and what the devices' plans did together.
     *
     * @param ssdWays     per SSD, how many devices its bandwidth was split among (1: whole)
     * @param hostSplit   whether host memory was split evenly among the devices
     * @param entries     each device's plan; empty if {@code problem} is set
     * @param simulation  the devices simulated together; {@code null} if {@code problem} is set
     * @param problem     why the round has no valid plans ({@code null} when it has)
     */
    public record Round(int[] ssdWays, boolean hostSplit, List<List<PlanEntry>> entries, JobSimulation simulation,
                        String problem) {
        /** Whether the round's plans ran together within every device's memory and the host memory cap. */
        public boolean valid() {
            return problem == null;
        }

        /** The split in words: {@code ssd 0 split 2 ways, host memory split 2 ways}, or {@code nothing split}. */
        public String describeSplit(int devices) {
            List<String> parts = new ArrayList<>();
            for (int s = 0; s < ssdWays.length; s++) {
                if (ssdWays[s] > 1) {
                    parts.add("ssd " + s + " split " + ssdWays[s] + " ways");
                }
            }
            if (hostSplit) {
                parts.add("host memory split " + devices + " ways");
            }
            return parts.isEmpty() ? "nothing split" : String.join(", ", parts);
        }
    }

    /**
     * What {@link #plan} found.
     *
     * @param rounds every round, in order
     * @param chosen the index of the round whose plans are kept
     */
    public record Result(List<Round> rounds, int chosen) {
        public Result {
            rounds = List.copyOf(rounds);
        }

        /** The kept round. */
        public Round round() {
            return rounds.get(chosen);
        }

        /** Each device's plan, by device id. */
        public List<List<PlanEntry>> entries() {
            return round().entries();
        }

        /** The kept plans simulated together. */
        public JobSimulation simulation() {
            return round().simulation();
        }

        /**
         * The kept plans as a job plan for {@code hardware} made by {@code policy}: device
         * {@code d}'s plan for the trace of {@code digests.get(d)}, with its prediction from the
         * devices simulated together, and the job's.
         */
        public JobPlan jobPlan(HardwareProfile hardware, String policy, List<String> digests,
                               List<Workload> workloads) {
            List<Prediction> predictions = simulation().devices().stream().map(SimulationResult::prediction).toList();
            List<Plan> plans = new ArrayList<>();
            for (int d = 0; d < workloads.size(); d++) {
                plans.add(new Plan(digests.get(d), workloads.get(d).opCount(), hardware, policy, entries().get(d),
                        predictions.get(d)));
            }
            return new JobPlan(hardware, policy, plans, JobPlan.jobPrediction(predictions));
        }
    }

    /**
     * Plans every device, iterating on the contention of shared resources as described above.
     *
     * @param workloads one per device of {@code hardware}, by device id
     * @param digests   each workload's trace digest, by device id (equal digests: planned once)
     * @throws TeraioException if the counts differ, if a device cannot be planned even with the
     *                         shared resources to itself ({@code device 1: ...}), or if no round's
     *                         plans run together
     */
    public static Result plan(Policy policy, List<Workload> workloads, List<String> digests,
                              HardwareProfile hardware) {
        return plan(policy, workloads, digests, hardware, MAX_ROUNDS);
    }

    /**
     * The devices planned independently, each with every shared resource to itself, simulated
     * together: round 0 of {@link #plan}, and nothing more.
     */
    public static Result planIndependently(Policy policy, List<Workload> workloads, List<String> digests,
                                           HardwareProfile hardware) {
        return plan(policy, workloads, digests, hardware, 1);
    }

    private static Result plan(Policy policy, List<Workload> workloads, List<String> digests,
                               HardwareProfile hardware, int maxRounds) {
        Objects.requireNonNull(policy, "policy");
        int devices = hardware.devices().size();
        if (workloads.size() != devices || digests.size() != devices) {
            throw new TeraioException("planning a job: " + workloads.size()
                    + (workloads.size() == 1 ? " trace" : " traces") + " for " + devices
                    + (devices == 1 ? " device" : " devices") + " (one trace per device, in device order)");
        }
        int ssds = hardware.ssds().size();
        int[] ways = new int[ssds];
        Arrays.fill(ways, 1);
        boolean hostSplit = false;
        List<Round> rounds = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        while (rounds.size() < maxRounds) {
            seen.add(Arrays.toString(ways) + hostSplit);
            Round round;
            try {
                round = round(policy, workloads, digests, hardware, ways, hostSplit);
            } catch (TeraioException e) {
                if (rounds.isEmpty()) {
                    throw e;
                }
                rounds.add(new Round(ways, hostSplit, List.of(), null, e.getMessage()));
                break;
            }
            rounds.add(round);
            if (round.simulation() == null || !round.simulation().ran()) {
                break;
            }
            int[] next = usersOf(hardware, round);
            boolean nextHost = hostSplit || round.simulation().hostMemoryViolation() != null;
            if (seen.contains(Arrays.toString(next) + nextHost)) {
                break;
            }
            ways = next;
            hostSplit = nextHost;
        }
        int chosen = -1;
        for (int r = 0; r < rounds.size(); r++) {
            Round round = rounds.get(r);
            if (round.valid() && (chosen < 0 || round.simulation().lastIterationNs()
                    < rounds.get(chosen).simulation().lastIterationNs())) {
                chosen = r;
            }
        }
        if (chosen < 0) {
            throw new TeraioException("planning a job: no round's plans run together; round 0 (each device planned"
                    + " with the shared SSDs and host memory to itself): " + rounds.get(0).problem());
        }
        return new Result(rounds, chosen);
    }

    /** Per SSD, how many devices' plans use it if it is shared (at least 1); 1 for an SSD mapped to a device. */
    private static int[] usersOf(HardwareProfile hardware, Round round) {
        int[] ways = new int[hardware.ssds().size()];
        for (List<PlanEntry> plan : round.entries()) {
            boolean[] uses = new boolean[ways.length];
            for (PlanEntry e : plan) {
                if (e.target() == PlanTarget.SSD) {
                    uses[e.ssd()] = true;
                }
            }
            for (int s = 0; s < ways.length; s++) {
                ways[s] += uses[s] ? 1 : 0;
            }
        }
        for (int s = 0; s < ways.length; s++) {
            ways[s] = hardware.ssds().get(s).device() < 0 ? Math.max(1, ways[s]) : 1;
        }
        return ways;
    }

    private static Round round(Policy policy, List<Workload> workloads, List<String> digests,
                               HardwareProfile hardware, int[] ways, boolean hostSplit) {
        int devices = workloads.size();
        HardwareProfile[] views = new HardwareProfile[devices];
        int[] sameAs = new int[devices];
        Map<String, Integer> bySignature = new HashMap<>();
        for (int d = 0; d < devices; d++) {
            views[d] = view(hardware, d, ways, hostSplit);
            String signature = digests.get(d) + "|" + signature(views[d]);
            Integer first = bySignature.putIfAbsent(signature, d);
            sameAs[d] = first == null ? d : first;
        }
        @SuppressWarnings("unchecked")
        List<PlanEntry>[] planned = new List[devices];
        IntStream.range(0, devices).filter(d -> sameAs[d] == d).parallel().forEach(d -> {
            try {
                planned[d] = policy.plan(workloads.get(d), views[d]);
            } catch (TeraioException e) {
                throw new TeraioException("device " + d + ": " + e.getMessage(), e);
            }
        });
        List<List<PlanEntry>> entries = new ArrayList<>(devices);
        for (int d = 0; d < devices; d++) {
            entries.add(sameAs[d] == d ? planned[d] : remap(planned[sameAs[d]], hardware, sameAs[d], d));
        }
        JobSimulation simulation = Simulator.simulateJob(workloads, hardware, entries);
        String problem = PlanValidator.jobProblem(simulation, hardware);
        return new Round(ways.clone(), hostSplit, entries, simulation, problem);
    }

    /**
     * Device {@code d}'s view of the hardware for planning alone: device 0 is {@code d} (same
     * memory and PCIe link); the SSDs keep their ids, those that serve {@code d} are shared by
     * "any device" with {@code 1/ways[s]} of their bandwidth, the others are mapped to a device 1
     * that nothing plans for (absent when every SSD serves {@code d}); host memory is the cap, or
     * an even share of it when {@code hostSplit}.
     */
    public static HardwareProfile view(HardwareProfile hardware, int d, int[] ways, boolean hostSplit) {
        Device device = hardware.devices().get(d);
        List<Ssd> ssds = new ArrayList<>();
        boolean others = false;
        for (Ssd s : hardware.ssds()) {
            boolean serves = s.device() < 0 || s.device() == d;
            others |= !serves;
            int k = serves ? ways[s.id()] : 1;
            ssds.add(new Ssd(s.id(), s.directory(), Math.max(1, s.readBytesPerSecond() / k),
                    Math.max(1, s.writeBytesPerSecond() / k), s.latencyNs(), serves ? -1 : 1));
        }
        List<Device> devices = new ArrayList<>();
        devices.add(new Device(0, device.memoryBytes(), device.pcieBytesPerSecond()));
        if (others) {
            devices.add(new Device(1, device.memoryBytes(), device.pcieBytesPerSecond()));
        }
        long host = hostSplit ? hardware.hostMemoryBytes() / hardware.devices().size() : hardware.hostMemoryBytes();
        return new HardwareProfile(devices, ssds, host);
    }

    /** A view up to SSD ids: the device, host memory and, in id order, the serving SSDs' parameters. */
    private static String signature(HardwareProfile view) {
        StringBuilder b = new StringBuilder();
        Device d = view.device();
        b.append(d.memoryBytes()).append(',').append(d.pcieBytesPerSecond()).append(',')
                .append(view.hostMemoryBytes());
        for (Ssd s : view.ssdsFor(0)) {
            b.append('|').append(s.readBytesPerSecond()).append(',').append(s.writeBytesPerSecond()).append(',')
                    .append(s.latencyNs());
        }
        return b.toString();
    }

    /** Device {@code from}'s entries for device {@code to}: the i-th SSD serving {@code from} becomes the i-th serving {@code to}. */
    private static List<PlanEntry> remap(List<PlanEntry> entries, HardwareProfile hardware, int from, int to) {
        List<Ssd> a = hardware.ssdsFor(from);
        List<Ssd> b = hardware.ssdsFor(to);
        Map<Integer, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < a.size(); i++) {
            map.put(a.get(i).id(), b.get(i).id());
        }
        List<PlanEntry> result = new ArrayList<>(entries.size());
        for (PlanEntry e : entries) {
            result.add(e.target() == PlanTarget.SSD ? new PlanEntry(e.tensor(), e.key(), e.action(), e.target(),
                    map.get(e.ssd()), e.issueAtOp(), e.deadlineOp(), e.urgent()) : e);
        }
        return result;
    }
}
