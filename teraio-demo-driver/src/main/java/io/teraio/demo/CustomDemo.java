package io.teraio.demo;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.session.SessionOptions;
import io.teraio.core.session.SessionStats;
import io.teraio.core.session.TeraioSession;
import io.teraio.demo.DemoComparison.DemoRun;
import io.teraio.demo.DemoComparison.ProcessPeak;
import io.teraio.examples.custom.ComputeBackend;
import io.teraio.examples.custom.DataParallelTrainer;
import io.teraio.examples.custom.MlpSpec;
import io.teraio.examples.custom.MlpTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code teraio demo --workload custom}: trains the custom-trainer example (an MLP whose
 * activations go through the embedding API, computing on the CPU or a GPU) twice in this process, step by step in
 * alternation so that both runs see the same machine: once without offloading (mode off, device
 * memory for everything), once with teraio in auto mode under a device-memory budget of half
 * the first run's peak, with offload files in the output directory. With several devices it
 * trains data-parallel ({@link DataParallelTrainer}: a shard of the batch per device, a session
 * per device with its own budget and offload directory) in both runs, and the comparison's
 * peak is the highest device's, its bytes and stalls those of all devices. The result is the
 * shared {@link DemoComparison}.
 */
public final class CustomDemo {
    /** Iterations run before profiling, and profiled, in the run with teraio. */
    static final int WARMUP = 1;
    static final int PROFILED = 2;

    private CustomDemo() {
    }

    /**
     * The demo as {@code teraio demo --workload custom} runs it: both trainings, compared;
     * {@code teraio demo} prints the table and writes {@code custom-demo.json}.
     *
     * @param layers  the MLP's layers, or null for the demo model's
     * @param steps   training steps, or null for 8
     * @param compute where the MLP computes: {@code cpu}, {@code cuda} or {@code auto} (null: auto); the
     *                choice and why is printed
     * @param devices the devices to train on data-parallel, or null for 1; several compute on the CPU
     * @param dir     the offload directory, or null for {@code outDir}
     * @param bar     the progress bar over the steps, drawn on a terminal (then the per-step lines are left out)
     * @throws TeraioException when {@code compute} is unknown or unusable here, {@code devices} is
     *         below 1, or several with compute other than cpu; or as {@link #compare}
     */
    public static DemoComparison run(PrintWriter out, StepProgress bar, Integer layers, Integer steps, String compute,
                                     Integer devices, Path dir, Path outDir) {
        int n = devices == null ? 1 : devices;
        if (n < 1 || n > MAX_DEVICES) {
            throw new TeraioException("demo --workload custom: --devices must be 1 to " + MAX_DEVICES + ", got " + n);
        }
        if (n > 1 && compute != null && !compute.equals("cpu")) {
            throw new TeraioException("demo --workload custom: --devices " + n + " trains on the CPU (emulated devices"
                    + " in host memory); --compute " + compute + " is for one device");
        }
        ComputeBackend.Selection selection = ComputeBackend.select(n > 1 ? "cpu" : compute == null ? "auto" : compute,
                TeraioConfig.resolve(Map.of()).device());
        TeraioConfig config = selection.config(Map.of());
        out.println("teraio demo: the custom-trainer example MLP, trained without and with teraio"
                + (n > 1 ? ", data-parallel on " + n + " emulated devices" : ""));
        out.println(selection.reason());
        return compare(spec(layers), steps == null ? 8 : steps, selection.backend(), n,
                dir == null ? config : config.withDirs(List.of(dir)), outDir, out, bar);
    }

    /** The most devices {@code --devices} takes: each is a session with its own engine and I/O threads. */
    static final int MAX_DEVICES = 8;

    /**
     * Runs both trainings for {@code steps} steps of {@code spec}, computing with {@code compute}.
     *
     * @param config the configuration (arguments, properties, environment) both runs start from;
     *               when its {@code dirs} is empty, the offload files go in {@code outDir}
     * @param log    progress lines go here
     * @param bar    the progress bar over the steps
     * @throws TeraioException when {@code steps} leaves no step after profiling, or a run fails
     */
    static DemoComparison compare(MlpSpec spec, int steps, ComputeBackend compute, int devices, TeraioConfig config,
                                  Path outDir, PrintWriter log, StepProgress bar) {
        if (steps < WARMUP + PROFILED + 1) {
            throw new TeraioException("demo --workload custom: --iterations must be at least " + (WARMUP + PROFILED + 1)
                    + " (" + WARMUP + " warm-up, " + PROFILED + " profiled, then at least one with the plan), got " + steps);
        }
        WorkFolder.create(outDir);
        TeraioConfig base = config.dirs().isEmpty() ? config.withDirs(List.of(outDir)) : config;
        try (Trainer baseline = Trainer.open(spec, base.withDeviceMemory(2 * spec.totalBytes()), SessionOptions.off(),
                compute, devices)) {
            baseline.step().run();
            long peak = peak(baseline.stats().get());
            long budget = peak / 2 / 4096 * 4096;
            log.printf(Locale.ROOT, "[1/3] without teraio, step 1: loss %s, %s resident at peak; the budget is half:"
                    + " %s%n", baseline.losses().get().get(0), Units.formatBytes(peak), Units.formatBytes(budget));
            try (Trainer offload = Trainer.open(spec, base.withDeviceMemory(budget),
                    SessionOptions.auto(WARMUP, PROFILED), compute, devices)) {
                log.printf(Locale.ROOT, "[2/3] training %d steps, alternating: without teraio, then with teraio"
                        + " (auto: %d warm-up, %d profiled, then the plan; offload files in %s)%n", steps, WARMUP,
                        PROFILED, String.join(":", base.dirs().stream().map(Path::toString).toList()));
                try (StepProgress.Task task = bar.startSteps("training, alternating", steps)) {
                    for (int i = 0; i < steps; i++) {
                        if (i > 0) {
                            baseline.step().run();
                        }
                        offload.step().run();
                        task.set(i + 1);
                        if (!bar.enabled()) {
                            log.printf(Locale.ROOT, "  step %d: %s / %s%n", i + 1,
                                    Units.formatNanos(baseline.stepNanos().get().get(i)),
                                    Units.formatNanos(offload.stepNanos().get().get(i)));
                            log.flush();
                        }
                    }
                }
                List<SessionStats> with = offload.stats().get();
                long predictedPeak = 0;
                long predictedUnconstrained = 0;
                for (SessionStats s : with) {
                    predictedPeak = Math.max(predictedPeak, s.predictedPeakBytes());
                    predictedUnconstrained = Math.max(predictedUnconstrained, s.predictedUnconstrainedBytes());
                }
                String workload = devices == 1 ? "custom mlp on " + compute.id()
                        : "custom mlp data-parallel on " + devices + " devices (" + compute.id() + ")";
                DemoComparison result = new DemoComparison(workload, budget, demoRun("without teraio", baseline),
                        demoRun("with teraio (auto)", offload), predictedPeak, predictedUnconstrained);
                log.printf(Locale.ROOT, "[3/3] compared %d steps; step times are means over steps %d to %d%n", steps,
                        WARMUP + PROFILED + 1, steps);
                return result;
            }
        }
    }

    private static DemoRun demoRun(String label, Trainer trainer) {
        List<Long> nanos = trainer.stepNanos().get();
        long sum = 0;
        int from = WARMUP + PROFILED;
        for (int i = from; i < nanos.size(); i++) {
            sum += nanos.get(i);
        }
        long offloaded = 0;
        long prefetched = 0;
        long stallNs = 0;
        long misses = 0;
        long divergences = 0;
        List<Long> devicePeaks = new ArrayList<>();
        for (SessionStats s : trainer.stats().get()) {
            devicePeaks.add(s.systemPeakBytes());
            offloaded += s.bytesOffloaded();
            prefetched += s.bytesPrefetched();
            stallNs += s.stallNs();
            misses += s.misses();
            divergences += s.divergences();
        }
        return new DemoRun(label, trainer.losses().get(), sum / (nanos.size() - from), peak(trainer.stats().get()),
                offloaded, prefetched, stallNs, misses, divergences, ProcessPeak.UNMEASURED, devicePeaks);
    }

    /** The highest peak of the devices' (teraio's ledger): each device has the budget. */
    private static long peak(List<SessionStats> devices) {
        long peak = 0;
        for (SessionStats s : devices) {
            peak = Math.max(peak, s.peakResidentBytes());
        }
        return peak;
    }

    /** One device's {@link MlpTrainer}, or several devices' {@link DataParallelTrainer}, as the demo drives them. */
    private record Trainer(Runnable step, Supplier<List<Float>> losses, Supplier<List<Long>> stepNanos,
                           Supplier<List<SessionStats>> stats, Runnable closer) implements AutoCloseable {
        /**
         * A trainer on {@code devices} devices of {@code config}'s device memory each; with
         * several, device d offloads to {@code device<d>} under each of the configuration's
         * directories.
         */
        static Trainer open(MlpSpec spec, TeraioConfig config, SessionOptions options, ComputeBackend compute,
                            int devices) {
            if (devices == 1) {
                MlpTrainer t = MlpTrainer.open(spec, config, options, compute);
                return new Trainer(t::step, t::losses, t::stepNanos, () -> List.of(t.stats()), t::close);
            }
            List<Device> list = new ArrayList<>();
            List<Ssd> ssds = new ArrayList<>();
            for (int d = 0; d < devices; d++) {
                list.add(new Device(d, config.deviceMemoryBytes(), TeraioSession.ASSUMED_PCIE_BYTES_PER_SECOND));
                for (Path dir : config.dirs()) {
                    ssds.add(new Ssd(ssds.size(), dir.resolve("device" + d).toString(),
                            TeraioSession.ASSUMED_SSD_BYTES_PER_SECOND, TeraioSession.ASSUMED_SSD_BYTES_PER_SECOND,
                            TeraioSession.ASSUMED_SSD_LATENCY_NS, d));
                }
            }
            DataParallelTrainer t = DataParallelTrainer.open(spec, devices, config,
                    new HardwareProfile(list, ssds, config.hostMemoryBytes() * devices), options);
            return new Trainer(t::step, t::losses, t::stepNanos, t::stats, () -> {
                t.close();
                for (Ssd ssd : ssds) {
                    deleteIfEmpty(Path.of(ssd.directory()));
                }
            });
        }

        @Override
        public void close() {
            closer.run();
        }

        /** Removes a device's offload directory the run left empty (its run directory is gone). */
        private static void deleteIfEmpty(Path dir) {
            try {
                Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException e) {
                // something else is there: not ours to remove
            } catch (IOException e) {
                // left behind, empty: harmless
            }
        }
    }

    /** The model, with {@code layers} layers when not null. */
    private static MlpSpec spec(Integer layers) {
        MlpSpec s = MlpSpec.demo();
        if (layers == null) {
            return s;
        }
        if (layers < 2) {
            throw new TeraioException("demo --workload custom: --layers must be at least 2, got " + layers);
        }
        return new MlpSpec(s.batch(), s.inputs(), s.hidden(), s.outputs(), layers, s.learningRate(), s.seed());
    }
}
