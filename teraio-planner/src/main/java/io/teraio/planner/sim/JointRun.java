package io.teraio.planner.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the devices of a job together on one clock (docs/simulator.md, "Several devices"): each
 * runs its own iterations over its own PCIe link and memory, their transfers queue on the shared
 * SSD channels (or lanes) in one issue order, their host memory is one, and every iteration but
 * the last ends at a barrier: the next starts on every device once all have ended the previous
 * one (synchronous training).
 */
final class JointRun {
    private JointRun() {
    }

    /** @return each device's result, in device order */
    static List<SimulationResult> run(Shared shared) {
        IterationSim[] rs = shared.sims;
        boolean fits = true;
        for (IterationSim r : rs) {
            fits &= r.startFits();
        }
        if (fits) {
            for (IterationSim r : rs) {
                r.begin();
            }
            afterBatch(rs);
        }
        while (fits && !allDone(rs) && noneOutOfMemory(rs)) {
            long t = Long.MAX_VALUE;
            for (IterationSim r : rs) {
                t = Math.min(t, r.nextEventNs());
            }
            if (t == Long.MAX_VALUE) {
                throw new IllegalStateException("simulator: no events left on any device");
            }
            for (IterationSim r : rs) {
                r.now = t;
            }
            boolean handled = true;
            while (handled) {
                handled = false;
                for (IterationSim r : rs) {
                    handled |= r.handleEventsAt(t);
                }
            }
            afterBatch(rs);
        }
        String cause = null;
        for (int d = 0; d < rs.length && cause == null; d++) {
            cause = rs[d].outOfMemory() == null ? null : "device " + d;
        }
        List<SimulationResult> results = new ArrayList<>(rs.length);
        for (IterationSim r : rs) {
            if (cause != null) {
                r.stopBecause(cause);
            }
            results.add(r.result());
        }
        return results;
    }

    /** Ends the ops that ended, releases the barrier once every device reached it, then lets each go on. */
    private static void afterBatch(IterationSim[] rs) {
        for (IterationSim r : rs) {
            r.endOpIfEnded();
        }
        boolean barrier = true;
        for (IterationSim r : rs) {
            barrier &= r.atBarrier();
        }
        if (barrier) {
            for (IterationSim r : rs) {
                r.passBarrier();
            }
        }
        for (IterationSim r : rs) {
            if (!r.done()) {
                r.goOn();
            }
        }
    }

    private static boolean allDone(IterationSim[] rs) {
        for (IterationSim r : rs) {
            if (!r.done()) {
                return false;
            }
        }
        return true;
    }

    private static boolean noneOutOfMemory(IterationSim[] rs) {
        for (IterationSim r : rs) {
            if (r.outOfMemory() != null) {
                return false;
            }
        }
        return true;
    }
}
