package io.teraio.profiler.importer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.teraio.core.TeraioException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Kineto (Chrome) trace and gives, per CPU op name, the GPU kernel time its
 * instances launched: each {@code kernel} event is tied by its {@code correlation} to the
 * {@code cuda_runtime} launch with the same correlation, and the launch to the innermost
 * {@code cpu_op} on the same thread whose interval contains it.
 */
final class KinetoDurations {
    private KinetoDurations() {
    }

    private record CpuOp(String name, double startUs, double endUs) {
    }

    private record Launch(double tsUs, long correlation) {
    }

    /**
     * The GPU time per CPU op name: {@code {total kernel ns, instances}} for every cpu_op
     * name (instances that launched nothing count with 0 ns).
     *
     * @throws TeraioException if the file is missing, truncated or not a Chrome trace
     */
    static Map<String, double[]> read(Path file) {
        String name = String.valueOf(file.getFileName());
        Map<String, List<CpuOp>> cpuOpsByThread = new HashMap<>();
        Map<String, List<Launch>> launchesByThread = new HashMap<>();
        Map<Long, Double> kernelUsByCorrelation = new HashMap<>();
        boolean sawEvents = false;
        try (InputStream in = CompressedInput.open(file);
             JsonParser p = new JsonFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TeraioException(name + ": not a Kineto trace: the top level is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                if (field.equals("traceEvents") && token == JsonToken.START_ARRAY) {
                    sawEvents = true;
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        readEvent(p, cpuOpsByThread, launchesByThread, kernelUsByCorrelation);
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (JsonParseException e) {
            String problem = e.getMessage() != null && e.getMessage().contains("end-of-input")
                    ? "truncated JSON (unexpected end of input)" : "malformed JSON: " + CompressedInput.oneLine(e);
            throw new TeraioException(name + ":" + e.getLocation().getLineNr() + ": " + problem, e);
        } catch (IOException e) {
            throw new TeraioException(name + ": " + CompressedInput.describe(e), e);
        }
        if (!sawEvents) {
            throw new TeraioException(name + ": not a Kineto trace: no \"traceEvents\" array");
        }

        Map<String, double[]> result = new HashMap<>();
        for (Map.Entry<String, List<CpuOp>> entry : cpuOpsByThread.entrySet()) {
            List<CpuOp> ops = entry.getValue();
            ops.sort((a, b) -> a.startUs() != b.startUs() ? Double.compare(a.startUs(), b.startUs())
                    : Double.compare(b.endUs(), a.endUs()));
            double[] gpuUs = new double[ops.size()];
            List<Launch> launches = launchesByThread.getOrDefault(entry.getKey(), List.of());
            launches.sort((a, b) -> Double.compare(a.tsUs(), b.tsUs()));
            Deque<Integer> open = new ArrayDeque<>();
            int next = 0;
            for (Launch launch : launches) {
                while (next < ops.size() && ops.get(next).startUs() <= launch.tsUs()) {
                    while (!open.isEmpty() && ops.get(open.peek()).endUs() < ops.get(next).startUs()) {
                        open.pop();
                    }
                    open.push(next++);
                }
                while (!open.isEmpty() && ops.get(open.peek()).endUs() < launch.tsUs()) {
                    open.pop();
                }
                Double kernelUs = kernelUsByCorrelation.get(launch.correlation());
                if (kernelUs != null && !open.isEmpty()) {
                    gpuUs[open.peek()] += kernelUs;
                }
            }
            for (int i = 0; i < ops.size(); i++) {
                double[] stats = result.computeIfAbsent(ops.get(i).name(), n -> new double[2]);
                stats[0] += gpuUs[i] * 1000.0;
                stats[1] += 1;
            }
        }
        return result;
    }

    private static void readEvent(JsonParser p, Map<String, List<CpuOp>> cpuOps, Map<String, List<Launch>> launches,
                                  Map<Long, Double> kernels) throws IOException {
        String cat = null;
        String eventName = null;
        String phase = null;
        String tid = null;
        double ts = Double.NaN;
        double dur = 0;
        long correlation = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken token = p.nextToken();
            switch (field) {
                case "cat" -> cat = p.getValueAsString();
                case "name" -> eventName = p.getValueAsString();
                case "ph" -> phase = p.getValueAsString();
                case "tid" -> tid = p.getValueAsString();
                case "ts" -> ts = p.getValueAsDouble(Double.NaN);
                case "dur" -> dur = p.getValueAsDouble(0);
                case "args" -> {
                    if (token == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String arg = p.currentName();
                            p.nextToken();
                            if (arg.equals("correlation")) {
                                correlation = p.getValueAsLong(-1);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (!"X".equals(phase) || cat == null || Double.isNaN(ts)) {
            return;
        }
        switch (cat) {
            case "cpu_op" -> {
                if (eventName != null) {
                    cpuOps.computeIfAbsent(String.valueOf(tid), t -> new ArrayList<>())
                            .add(new CpuOp(eventName.intern(), ts, ts + dur));
                }
            }
            case "cuda_runtime", "cuda_driver" -> {
                if (correlation >= 0) {
                    launches.computeIfAbsent(String.valueOf(tid), t -> new ArrayList<>()).add(new Launch(ts, correlation));
                }
            }
            case "kernel", "gpu_memcpy", "gpu_memset" -> {
                if (correlation >= 0) {
                    kernels.merge(correlation, dur, Double::sum);
                }
            }
            default -> {
            }
        }
    }
}
