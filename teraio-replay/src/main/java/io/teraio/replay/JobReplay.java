package io.teraio.replay;

import io.teraio.core.TeraioException;
import io.teraio.core.engine.DeviceEngines;
import io.teraio.core.plan.JobPlan;
import io.teraio.core.plan.Plan;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a job plan for real: each device's steady-state iteration replayed by {@link TraceReplay}
 * on a thread of its own, over its engine of a {@link DeviceEngines} opened for the job
 * ({@link DeviceEngines#open}: an SSD that serves every device is used by every engine),
 * with its plan renumbered to that engine's SSDs. The devices meet at a barrier at the end of
 * every iteration, as synchronous training does and as the simulator models a job: each
 * iteration of the job takes as long as its slowest device's, and the next starts on every
 * device together.
 */
public final class JobReplay {
    private JobReplay() {
    }

    /**
     * What a job replay measured: each device's {@link ReplayResult}, by device id, and the job's
     * time of every iteration (the slowest device's).
     */
    public record Result(List<ReplayResult> devices, List<Long> iterationNs) {
        public Result {
            devices = List.copyOf(devices);
            iterationNs = List.copyOf(iterationNs);
        }

        /** The reported (last) iteration's time: its slowest device's. */
        public long lastIterationNs() {
            return iterationNs.get(iterationNs.size() - 1);
        }

        /** The device whose last iteration took longest (the lowest id among equals). */
        public int slowestDevice() {
            int slowest = 0;
            for (int d = 1; d < devices.size(); d++) {
                if (devices.get(d).lastIterationNs() > devices.get(slowest).lastIterationNs()) {
                    slowest = d;
                }
            }
            return slowest;
        }
    }

    /**
     * Replays device {@code d}'s plan of {@code job} over {@code workloads.get(d)} on
     * {@code engines.engine(d)}, all devices at once; {@code listener} hears of each iteration
     * of the job (the slowest device's time) once every device has ended it.
     *
     * @throws TeraioException the failure of the device of the lowest id that failed, as
     *                         {@code device N: ...} with it as the cause (the other devices stop at
     *                         their next iteration end; other failures are suppressed into it),
     *                         or when the workloads, plans and engines are not one per device
     */
    public static Result run(List<Workload> workloads, JobPlan job, DeviceEngines engines, ReplayOptions options,
                             TraceReplay.Listener listener) {
        int devices = job.devices().size();
        if (workloads.size() != devices || engines.size() != devices) {
            throw new TeraioException("replay: a job plan of " + devices + " devices, " + workloads.size()
                    + " traces and " + engines.size() + " engines (one each per device)");
        }
        long[][] deviceNs = new long[options.iterations()][devices];
        List<Long> jobNs = new ArrayList<>();
        Phaser barrier = new Phaser(devices);
        AtomicBoolean failed = new AtomicBoolean();
        ReplayResult[] results = new ReplayResult[devices];
        RuntimeException[] failures = new RuntimeException[devices];
        List<Thread> threads = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            int device = d;
            Plan plan = engines.enginePlan(d, job.devices().get(d));
            Thread thread = new Thread(() -> {
                try {
                    results[device] = TraceReplay.run(workloads.get(device), plan.entries(), engines.engine(device),
                            options, (i, ns) -> {
                                deviceNs[i][device] = ns;
                                barrier.arriveAndAwaitAdvance();
                                if (failed.get()) {
                                    throw new OtherDeviceFailed();
                                }
                                if (device == 0) {
                                    long slowest = 0;
                                    for (long n : deviceNs[i]) {
                                        slowest = Math.max(slowest, n);
                                    }
                                    jobNs.add(slowest);
                                    if (listener != null) {
                                        listener.iterationDone(i, slowest);
                                    }
                                }
                            });
                } catch (RuntimeException e) {
                    failures[device] = e;
                    failed.set(true);
                    barrier.arriveAndDeregister(); // the others go on to their next iteration end and stop there
                }
            }, "teraio-replay-device-" + d);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            join(thread);
        }
        RuntimeException first = null;
        for (int d = 0; d < devices; d++) {
            RuntimeException e = failures[d];
            if (e == null || e instanceof OtherDeviceFailed) {
                continue;
            }
            RuntimeException named = new TeraioException("device " + d + ": " + e.getMessage(), e);
            if (first == null) {
                first = named;
            } else {
                first.addSuppressed(named);
            }
        }
        if (first != null) {
            throw first;
        }
        return new Result(List.of(results), jobNs);
    }

    /** Thrown in a device's thread at an iteration end once another device has failed. */
    private static final class OtherDeviceFailed extends TeraioException {
        OtherDeviceFailed() {
            super("replay: stopped because another device failed");
        }
    }

    private static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
