package io.teraio.cli.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.trace.Tensor;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.OpStall;
import io.teraio.planner.sim.SimulationResult;
import io.teraio.planner.sim.TensorMoves;
import io.teraio.planner.sim.TimeSeries;
import io.teraio.planner.sim.Timelines;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a {@link ReportInput} into the JSON the report's script draws, downsampled so that
 * its size does not grow with the trace: every series has at most {@link #POINTS} points,
 * the lifetime timeline shows the {@link #TENSORS} largest tensors, and intervals closer
 * than one point's width are merged.
 *
 * <p>Times are nanoseconds from the iteration's start: the simulated ones when there is a
 * plan (ops start later when they wait), the profiled ones otherwise.
 */
public final class ReportData {
    /** The most points of a series (about one per pixel of a chart). */
    public static final int POINTS = 1200;
    /** How many of the largest tensors the lifetime timeline shows. */
    public static final int TENSORS = 32;

    private final ReportInput in;
    private final Workload w;
    private final int n;
    private final long[] start;
    private final long endNs;
    /** Intervals closer than this are merged. */
    private final long mergeNs;

    private ReportData(ReportInput in) {
        this.in = in;
        this.w = in.workload();
        this.n = w.opCount();
        if (in.result() != null) {
            Timelines t = in.result().timelines();
            this.start = t.opStartNs();
            this.endNs = in.result().prediction().iterationNs();
        } else {
            this.start = new long[n];
            for (int k = 0; k < n; k++) {
                start[k] = w.startNs(k);
            }
            this.endNs = w.idealNs();
        }
        this.mergeNs = Math.max(1, endNs / POINTS);
    }

    /** The report's data as one JSON object (the format is the contract with {@code report.js}). */
    public static ObjectNode of(ReportInput in) {
        return new ReportData(in).build();
    }

    private ObjectNode build() {
        ObjectNode o = JsonFiles.mapper().createObjectNode();
        o.put("title", in.title());
        ArrayNode facts = o.putArray("facts");
        for (ReportInput.Fact f : in.facts()) {
            facts.addArray().add(f.label()).add(f.value());
        }
        o.put("endNs", endNs);
        o.put("planned", in.result() != null);
        if (in.hardware() != null) {
            o.put("capacityBytes", in.hardware().device().memoryBytes());
        } else {
            o.putNull("capacityBytes");
        }
        memory(o.putObject("memory"));
        if (in.result() != null) {
            Timelines t = in.result().timelines();
            series(o.putObject("resident"), t.deviceBytes());
            ObjectNode bw = o.putObject("bandwidth");
            series(bw.putObject("ssdRead"), t.ssdReadBytesPerSecond());
            series(bw.putObject("ssdWrite"), t.ssdWriteBytesPerSecond());
            series(bw.putObject("pcieToDevice"), t.pcieToDeviceBytesPerSecond());
            series(bw.putObject("pcieToHost"), t.pcieToHostBytesPerSecond());
            stalls(o.putArray("stalls"));
            worstStalls(o.putArray("worstStalls"), in.result());
        }
        tensors(o.putArray("tensors"));
        if (in.compare() != null) {
            ObjectNode c = o.putObject("compare");
            ArrayNode columns = c.putArray("columns");
            in.compare().columns().forEach(columns::add);
            ArrayNode rows = c.putArray("rows");
            for (List<String> row : in.compare().rows()) {
                ArrayNode r = rows.addArray();
                row.forEach(r::add);
            }
        }
        return o;
    }

    private long opEnd(int k) {
        return start[k] + w.durationNs(k);
    }

    /** When the stream reaches op {@code k} (its entries are issued then); {@code n} is the end. */
    private long timeOf(int k) {
        if (k >= n) {
            return endNs;
        }
        return k == 0 ? 0 : opEnd(k - 1);
    }

    /** Live and active bytes per op, as the maximum over each point's interval. */
    private void memory(ObjectNode o) {
        int points = (int) Math.min(POINTS, Math.max(1, endNs));
        double width = (double) Math.max(1, endNs) / points;
        long[] live = new long[points];
        long[] active = new long[points];
        boolean[] set = new boolean[points];
        for (int k = 0; k < n; k++) {
            int b0 = bucket(start[k], width, points);
            int b1 = bucket(Math.max(start[k], opEnd(k) - 1), width, points);
            long l = w.liveBytes(k);
            long a = w.neededBytes(k);
            for (int b = b0; b <= b1; b++) {
                live[b] = Math.max(live[b], l);
                active[b] = Math.max(active[b], a);
                set[b] = true;
            }
        }
        for (int b = 1; b < points; b++) {
            if (!set[b]) {
                live[b] = live[b - 1];
                active[b] = active[b - 1];
            }
        }
        ArrayNode t = o.putArray("t");
        for (int b = 0; b < points; b++) {
            t.add(Math.round(b * width));
        }
        ArrayNode lv = o.putArray("live");
        ArrayNode av = o.putArray("active");
        for (int b = 0; b < points; b++) {
            lv.add(live[b]);
            av.add(active[b]);
        }
    }

    private static int bucket(long ns, double width, int points) {
        return (int) Math.min(points - 1, Math.max(0, (long) (ns / width)));
    }

    private static void series(ObjectNode o, TimeSeries s) {
        ArrayNode t = o.putArray("t");
        ArrayNode v = o.putArray("v");
        for (int i = 0; i < s.size(); i++) {
            t.add(s.timesNs()[i]);
            v.add(Math.round(s.values()[i]));
        }
    }

    /** Every wait of the compute stream, neighbours closer than a point merged: [from, to, waitedNs, ops, first op, its name]. */
    private void stalls(ArrayNode out) {
        long[] mark = null;
        for (int k = 0; k < n; k++) {
            long reached = k == 0 ? 0 : opEnd(k - 1);
            long waited = start[k] - reached;
            if (waited <= 0) {
                continue;
            }
            if (mark != null && reached - mark[1] < mergeNs) {
                mark[1] = start[k];
                mark[2] += waited;
                mark[3]++;
                continue;
            }
            flush(out, mark);
            mark = new long[] {reached, start[k], waited, 1, k};
        }
        flush(out, mark);
    }

    private void flush(ArrayNode out, long[] mark) {
        if (mark != null) {
            out.addArray().add(mark[0]).add(mark[1]).add(mark[2]).add(mark[3]).add(mark[4])
                    .add(w.opName((int) mark[4]));
        }
    }

    private void worstStalls(ArrayNode out, SimulationResult r) {
        for (OpStall s : r.worstStalls()) {
            out.addArray().add(s.op()).add(s.name()).add(timeOf(s.op())).add(s.stallNs()).add(s.cause());
        }
    }

    /** The largest tensors: live span, active intervals, and with a plan their simulated trips off the device. */
    private void tensors(ArrayNode out) {
        List<Integer> slots = new ArrayList<>();
        for (int t = 0; t < w.tensorCount(); t++) {
            if (w.inIteration(t)) {
                slots.add(t);
            }
        }
        slots.sort(Comparator.comparingLong((Integer t) -> -w.bytes(t)).thenComparingInt(t -> t));
        List<Integer> shown = slots.subList(0, Math.min(TENSORS, slots.size()));
        Map<Integer, ArrayNode> moves = new HashMap<>();
        for (int t : shown) {
            Tensor tensor = w.tensor(t);
            ObjectNode o = out.addObject();
            o.put("key", tensor.key());
            o.put("kind", tensor.kind().name().toLowerCase(Locale.ROOT));
            o.put("bytes", tensor.bytes());
            o.put("persistent", tensor.persistent());
            long from = w.allocOp(t) < 0 ? 0 : start[w.allocOp(t)];
            long to = w.freeOp(t) >= n ? endNs : opEnd(w.freeOp(t));
            o.putArray("live").add(from).add(to);
            ArrayNode active = o.putArray("active");
            long runFrom = -1;
            long runTo = -1;
            for (int k : w.useOps(t)) {
                if (runFrom >= 0 && start[k] - runTo < mergeNs) {
                    runTo = Math.max(runTo, opEnd(k));
                    continue;
                }
                if (runFrom >= 0) {
                    active.addArray().add(runFrom).add(runTo);
                }
                runFrom = start[k];
                runTo = opEnd(k);
            }
            if (runFrom >= 0) {
                active.addArray().add(runFrom).add(runTo);
            }
            moves.put(t, o.putArray("moves"));
        }
        if (in.result() != null) {
            spans(in.result().timelines().moves(), moves);
        }
    }

    /**
     * Turns the simulator's changes of place into spans [from, to, phase, where], phase 0 while
     * the tensor is written out, 1 while it is out, 2 while it is read back; a span still open
     * at the iteration's end runs to it.
     */
    private void spans(TensorMoves m, Map<Integer, ArrayNode> out) {
        Map<Integer, long[]> open = new HashMap<>();
        for (int i = 0; i < m.size(); i++) {
            int t = m.tensors()[i];
            ArrayNode spans = out.get(t);
            if (spans == null) {
                continue;
            }
            long now = m.timesNs()[i];
            long[] current = open.remove(t);
            if (current != null) {
                span(spans, current, now);
            }
            byte state = m.states()[i];
            int phase = state == TensorMoves.OFFLOADING ? 0 : state == TensorMoves.OFFLOADED ? 1
                    : state == TensorMoves.PREFETCHING ? 2 : -1;
            if (phase >= 0) {
                open.put(t, new long[] {now, phase, m.places()[i]});
            }
        }
        for (Map.Entry<Integer, long[]> e : open.entrySet()) {
            span(out.get(e.getKey()), e.getValue(), endNs);
        }
    }

    private static void span(ArrayNode spans, long[] open, long to) {
        int place = (int) open[2];
        spans.addArray().add(open[0]).add(to).add((int) open[1]).add(place < 0 ? "host memory" : "SSD " + place);
    }
}
