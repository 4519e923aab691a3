package io.teraio.planner;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.plan.PlanMaker;
import io.teraio.core.plan.TraceDigest;
import io.teraio.core.trace.Trace;
import io.teraio.planner.policy.Policies;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.Simulator;
import java.util.ArrayList;
import java.util.List;

/**
 * The planner behind the embedding API's {@code auto} mode ({@link PlanMaker}, found by
 * {@code ServiceLoader}): the default policy ({@code teraio}) plans the trace's last
 * iteration, {@link PlanValidator} checks the plan and simulates it, and the simulator's
 * peak with nothing moved is the unconstrained figure. A job of several devices is planned
 * by {@link JobPlanner} and checked by {@link PlanValidator#validateJob}.
 */
public final class TeraioPlanMaker implements PlanMaker {
    @Override
    public String name() {
        return Policies.DEFAULT;
    }

    @Override
    public MadePlan make(Trace trace, HardwareProfile hardware) {
        Workload workload = Workload.of(trace);
        Policy policy = Policies.byName(Policies.DEFAULT);
        List<PlanEntry> entries = policy.plan(workload, hardware);
        Plan plan = new Plan(TraceDigest.sha256(trace), workload.opCount(), hardware, policy.name(), entries, null);
        SimulationResult simulated = PlanValidator.validate(workload, plan, "in-process plan (" + policy.name() + ")");
        long unconstrained = Simulator.ideal(workload).prediction().peakDeviceBytes();
        return new MadePlan(plan.withPrediction(simulated.prediction()), simulated.prediction().peakDeviceBytes(),
                unconstrained);
    }

    @Override
    public List<MadePlan> makeJob(List<Trace> traces, HardwareProfile hardware) {
        List<Workload> workloads = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (Trace trace : traces) {
            workloads.add(Workload.of(trace));
            digests.add(TraceDigest.sha256(trace));
        }
        Policy policy = Policies.byName(Policies.DEFAULT);
        JobPlan job = JobPlanner.plan(policy, workloads, digests, hardware).jobPlan(hardware, policy.name(), digests,
                workloads);
        PlanValidator.validateJob(workloads, job, "in-process job plan (" + policy.name() + ")", false);
        List<MadePlan> made = new ArrayList<>();
        for (int d = 0; d < workloads.size(); d++) {
            Plan plan = job.devices().get(d);
            made.add(new MadePlan(plan, plan.predicted().peakDeviceBytes(),
                    Simulator.ideal(workloads.get(d)).prediction().peakDeviceBytes()));
        }
        return made;
    }
}
