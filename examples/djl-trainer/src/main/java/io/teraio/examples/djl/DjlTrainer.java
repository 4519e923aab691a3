package io.teraio.examples.djl;

import ai.djl.Model;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;

/**
 * A DJL training program with a plain loop (forward, backward, {@code trainer.step()}): an
 * MLP ({@link Mlp}) or a small ResNet ({@link ResNetV1}) trained with AdamW on synthetic data
 * on the PyTorch CPU engine. Two runs with the same arguments give bitwise identical losses:
 * the engine's random seed is fixed, the data come from a seeded {@link Random}, and PyTorch
 * runs on one thread.
 *
 * <pre>
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *      -cp djl-trainer.jar:lib/* io.teraio.examples.djl.DjlTrainer --model mlp --steps 20 --out run.json
 * </pre>
 *
 * <p>The output file is one JSON object: {@code losses} (the loss after every step),
 * {@code stepNanos} (the wall time of every step: forward, backward, optimizer step and
 * reading the loss), {@code stepCpuNanos} (the training thread's CPU time in each), and the
 * bytes of the {@code parameterBytes}, their {@code gradientBytes} and AdamW's {@code optimizerStateBytes} (its two moments, measured
 * after the first step). What the operating system counts (Linux's {@code /proc/self/status};
 * -1 elsewhere): {@code stepRssBytes} (the process's resident bytes after every step),
 * {@code peakRssBytes} (its peak, {@code VmHWM}, at the end; with {@code --reset-peak-after N}
 * the peak of the steps after step N, and {@code firstStepsPeakRssBytes} the peak of start-up
 * and steps 1 to N, read before the reset) and {@code heapCommittedBytes}
 * (the Java heap's committed bytes at the end), so that the native part of the peak (PyTorch's
 * tensors among it) is {@code peakRssBytes - heapCommittedBytes} when the heap is fixed and
 * pre-touched ({@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}). The three JVM
 * properties above are set by {@link #main} when they
 * are not given (and DJL's logging is turned down to warnings): without them DJL tries to
 * download and PyTorch's thread pools make steps 30 to 50 times slower on two cores.
 *
 * <p>The data: every sample's features are drawn from a standard normal distribution and its
 * label is the class a fixed random linear "teacher" scores highest, so the loss falls.
 */
public final class DjlTrainer {

    /** The properties the trainer needs, with the values it sets when they are absent. */
    static final Map<String, String> JVM_PROPERTIES = Map.of(
            "ai.djl.offline", "true",
            "ai.djl.pytorch.num_threads", "1",
            "ai.djl.pytorch.num_interop_threads", "1",
            "org.slf4j.simpleLogger.defaultLogLevel", "warn",
            "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");

    private DjlTrainer() {
    }

    /**
     * Trains and writes the result file. Exit code 2 with one line on stderr for a bad
     * argument or a failed run.
     *
     * @param args {@code --model mlp|resnet --steps N --batch N --seed N --hidden N --out FILE}
     */
    public static void main(String[] args) {
        JVM_PROPERTIES.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("djl-trainer: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        try {
            Result result = train(options);
            write(result, options.out());
            System.err.printf(Locale.ROOT, "djl-trainer: %s, %d steps, last loss %s, wrote %s%n",
                    options.model(), options.steps(), result.losses().get(result.losses().size() - 1), options.out());
        } catch (RuntimeException e) {
            System.err.println("djl-trainer: " + options.model() + " training failed: " + e);
            System.exit(2);
        }
    }

    /**
     * What a run measured.
     *
     * @param losses              the loss after every step
     * @param stepNanos           the wall time of every step
     * @param stepCpuNanos        the CPU time of the training thread in every step (PyTorch runs
     *                            its ops on that thread: with one intra-op thread this is the
     *                            step's compute, less sensitive than wall time to other load)
     * @param parameterBytes      bytes of all parameters
     * @param gradientBytes       bytes of the gradients of the trainable parameters
     * @param optimizerStateBytes bytes of AdamW's moments
     * @param stepRssBytes        the process's resident bytes ({@code VmRSS}) after every step, -1 when unknown
     * @param peakRssBytes        the process's peak resident bytes ({@code VmHWM}) at the end: since the
     *                            reset after step {@code --reset-peak-after}, if any; -1 when unknown
     * @param firstStepsPeakRssBytes the peak of start-up and the steps up to the reset, read before it; -1
     *                            without a reset or when unknown
     * @param heapCommittedBytes  the Java heap's committed bytes at the end
     */
    public record Result(List<Float> losses, List<Long> stepNanos, List<Long> stepCpuNanos, long parameterBytes,
                         long gradientBytes, long optimizerStateBytes, List<Long> stepRssBytes, long peakRssBytes,
                         long firstStepsPeakRssBytes, long heapCommittedBytes) {
        public Result {
            losses = List.copyOf(losses);
            stepNanos = List.copyOf(stepNanos);
            stepCpuNanos = List.copyOf(stepCpuNanos);
            stepRssBytes = List.copyOf(stepRssBytes);
        }
    }

    /**
     * The command line.
     *
     * @param model {@code mlp} or {@code resnet}
     * @param steps training steps
     * @param batch  samples per step
     * @param seed   the seed of the engine and the data
     * @param hidden the width of each of the MLP's twelve hidden layers (0 for the ResNet)
     * @param layers the ResNet's depth (0 for the MLP): 20, 32, 44, 56 or 110 (CIFAR-style, 16x16 images) or
     *               18, 34, 50, 101 or 152 (ImageNet-style, 64x64 images)
     * @param resetPeakAfter the step after which the process's peak resident bytes are reset (0: never)
     * @param out    where the result goes
     */
    public record Options(String model, int steps, int batch, int seed, int hidden, int layers, int resetPeakAfter,
                          Path out) {
        static final String USAGE = "usage: DjlTrainer [--model mlp|resnet] [--steps N] [--batch N] [--seed N]"
                + " [--hidden N] [--layers N] [--reset-peak-after N] --out FILE";

        public Options {
            if (!model.equals("mlp") && !model.equals("resnet")) {
                throw new IllegalArgumentException("--model must be mlp or resnet, got '" + model + "'");
            }
            if (steps < 1 || batch < 1) {
                throw new IllegalArgumentException("--steps and --batch must be at least 1, got " + steps
                        + " and " + batch);
            }
            if (out == null) {
                throw new IllegalArgumentException("--out FILE is required");
            }
            if (resetPeakAfter < 0 || resetPeakAfter >= steps) {
                throw new IllegalArgumentException("--reset-peak-after must be 0 (never) to steps - 1, got "
                        + resetPeakAfter);
            }
            if (model.equals("mlp") ? hidden < 1 : hidden != 0) {
                throw new IllegalArgumentException("--hidden is the MLP's layer width, at least 1 (the ResNet has"
                        + " none), got " + hidden + " for " + model);
            }
            if (model.equals("resnet") ? !Workload.RESNET_DEPTHS.contains(layers) : layers != 0) {
                throw new IllegalArgumentException("--layers is the ResNet's depth, one of " + Workload.RESNET_DEPTHS
                        + " (the MLP has twelve hidden layers), got " + layers + " for " + model);
            }
        }

        static Options parse(String[] args) {
            String model = "mlp";
            int steps = 20;
            int batch = 0;
            int seed = 42;
            int hidden = 0;
            int layers = 0;
            int resetPeakAfter = 0;
            Path out = null;
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                String value = args[++i];
                switch (name) {
                    case "--model" -> model = value;
                    case "--steps" -> steps = integer(name, value);
                    case "--batch" -> batch = integer(name, value);
                    case "--seed" -> seed = integer(name, value);
                    case "--hidden" -> hidden = integer(name, value);
                    case "--layers" -> layers = integer(name, value);
                    case "--reset-peak-after" -> resetPeakAfter = integer(name, value);
                    case "--out" -> out = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option '" + name + "'");
                }
            }
            return new Options(model, steps, batch == 0 ? Workload.of(model, 0).defaultBatch() : batch, seed,
                    hidden == 0 && model.equals("mlp") ? MLP_HIDDEN : hidden,
                    layers == 0 && model.equals("resnet") ? Workload.RESNET_LAYERS : layers, resetPeakAfter, out);
        }

        private static int integer(String name, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'", e);
            }
        }
    }

    /**
     * A model and the shape of its synthetic samples. The ResNet is by default the CIFAR-style
     * ResNetV1 (16, 32 and 64 filters; images of 28 pixels or less) with 56 layers: many small
     * parameters, none over 5% of the model, and one 16x16 image per batch, so that its
     * activations, which stay resident, leave room under the demo's budget. At the ImageNet
     * depths (18 to 152) it is DJL's ImageNet-style ResNetV1 (64 to 2048 filters, bottleneck
     * blocks from 50 layers on) on one 64x64 image per batch: ResNet-50 holds 90 MiB of
     * parameters.
     */
    private record Workload(String model, Shape sampleShape, int classes, int defaultBatch) {
        /** The ResNet's depth without {@code --layers}. */
        static final int RESNET_LAYERS = 56;
        static final List<Integer> RESNET_DEPTHS = List.of(20, 32, 44, 56, 110, 18, 34, 50, 101, 152);
        /** The depths DJL builds ImageNet-style (for images over 32 pixels). */
        private static final List<Integer> IMAGENET_DEPTHS = List.of(18, 34, 50, 101, 152);

        static Workload of(String model, int layers) {
            int side = IMAGENET_DEPTHS.contains(layers) ? 64 : 16;
            return model.equals("resnet")
                    ? new Workload(model, new Shape(3, side, side), 10, 1)
                    : new Workload(model, new Shape(MLP_INPUT), 16, 32);
        }

        Block block(int hidden, int layers) {
            if (model.equals("resnet")) {
                return ResNetV1.builder().setImageShape(sampleShape).setNumLayers(layers).setOutSize(classes).build();
            }
            int[] widths = new int[MLP_LAYERS];
            Arrays.fill(widths, hidden);
            return new Mlp(Math.toIntExact(sampleShape.get(0)), classes, widths);
        }
    }

    private static final float LEARNING_RATE = 1e-4f;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int MLP_INPUT = 1024;
    /**
     * Twelve equal hidden layers: AdamW updates one parameter at a time, and that parameter's
     * weight, gradient and moments must be resident together, so no single parameter may hold
     * much of the model if offloading the others' moments is to meet the demo's budget.
     */
    private static final int MLP_LAYERS = 12;
    /** The hidden layers' width when {@code --hidden} is not given: 48 MiB of parameters. */
    private static final int MLP_HIDDEN = 1024;

    /**
     * Trains {@code options.steps()} steps and returns what was measured.
     *
     * @param options the model, steps, batch and seed ({@code out} is not used)
     * @return the losses, step times and tensor sizes
     */
    public static Result train(Options options) {
        Workload workload = Workload.of(options.model(), options.layers());
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed(options.seed());
        Random data = new Random(options.seed());
        int sampleSize = Math.toIntExact(workload.sampleShape().size());
        float[][] teacher = new float[workload.classes()][sampleSize];
        for (float[] row : teacher) {
            for (int i = 0; i < sampleSize; i++) {
                row[i] = (float) data.nextGaussian();
            }
        }
        Shape batchShape = new Shape(options.batch()).addAll(workload.sampleShape());

        Optimizer adamW = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(LEARNING_RATE)).build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(adamW);
        List<Float> losses = new ArrayList<>(options.steps());
        List<Long> stepNanos = new ArrayList<>(options.steps());
        List<Long> stepCpuNanos = new ArrayList<>(options.steps());
        List<Long> stepRssBytes = new ArrayList<>(options.steps());
        long firstStepsPeakRssBytes = -1;
        long parameterBytes;
        long gradientBytes;
        long stateBytes = 0;
        try (Model model = Model.newInstance(options.model(), engine.defaultDevice(), engine.getEngineName())) {
            model.setBlock(workload.block(options.hidden(), options.layers()));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(batchShape);
                parameterBytes = 0;
                gradientBytes = 0;
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    NDArray array = p.getValue().getArray();
                    parameterBytes += array.getDataType().getNumOfBytes() * array.size();
                    if (p.getValue().requiresGradient()) {
                        NDArray gradient = array.getGradient();
                        gradientBytes += gradient.getDataType().getNumOfBytes() * gradient.size();
                        gradient.close();
                    }
                }
                for (int step = 0; step < options.steps(); step++) {
                    float[] x = new float[options.batch() * sampleSize];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) data.nextGaussian();
                    }
                    float[] y = new float[options.batch()];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = argmax(teacher, x, i * sampleSize);
                    }
                    long start = System.nanoTime();
                    long startCpu = THREADS.getCurrentThreadCpuTime();
                    // The batch, its activations and the loss are freed before the optimizer step.
                    try (NDManager batch = trainer.getManager().newSubManager()) {
                        NDList input = new NDList(batch.create(x, batchShape));
                        NDList labels = new NDList(batch.create(y, new Shape(options.batch())));
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList prediction = trainer.forward(input, labels);
                            NDArray value = trainer.getLoss().evaluate(labels, prediction);
                            collector.backward(value);
                            losses.add(value.getFloat());
                        }
                    }
                    trainer.step();
                    stepNanos.add(System.nanoTime() - start);
                    stepCpuNanos.add(THREADS.getCurrentThreadCpuTime() - startCpu);
                    stepRssBytes.add(procStatusBytes("VmRSS"));
                    if (step + 1 == options.resetPeakAfter()) {
                        firstStepsPeakRssBytes = procStatusBytes("VmHWM");
                        resetPeakRss();
                    }
                    // one line per step, outside the timed part: teraio demo counts them for its progress bar
                    System.out.printf(Locale.ROOT, "step %d of %d: loss %s%n", step + 1, options.steps(),
                            losses.get(losses.size() - 1));
                    System.out.flush();
                    if (step == 0) {
                        stateBytes = optimizerStateBytes(adamW);
                    }
                }
            }
        }
        return new Result(losses, stepNanos, stepCpuNanos, parameterBytes, gradientBytes, stateBytes, stepRssBytes,
                procStatusBytes("VmHWM"), firstStepsPeakRssBytes,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted());
    }

    /** Sets {@code VmHWM} back to what is resident now (Linux: {@code 5} to {@code /proc/self/clear_refs}). */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            System.err.println("djl-trainer: cannot reset the peak resident bytes: " + e);
        }
    }

    /**
     * A {@code kB} line of Linux's {@code /proc/self/status} in bytes, or -1 where there is none.
     * (The trainer has no teraio dependency, so it reads the file itself.)
     */
    private static long procStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":") && line.endsWith(" kB")) {
                    return 1024 * Long.parseLong(line.substring(field.length() + 1, line.length() - 3).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** The class whose teacher row scores the sample at {@code offset} of {@code x} highest. */
    private static int argmax(float[][] teacher, float[] x, int offset) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < teacher.length; c++) {
            double score = 0;
            for (int i = 0; i < teacher[c].length; i++) {
                score += teacher[c][i] * x[offset + i];
            }
            if (score > bestScore) {
                best = c;
                bestScore = score;
            }
        }
        return best;
    }

    /** Bytes of AdamW's first and second moments, read from its (private) maps. */
    @SuppressWarnings("unchecked")
    private static long optimizerStateBytes(Optimizer adamW) {
        long bytes = 0;
        for (String name : new String[] {"means", "variances"}) {
            Object moments;
            try {
                Field field = adamW.getClass().getDeclaredField(name);
                field.setAccessible(true);
                moments = field.get(adamW);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot read AdamW's '" + name + "' to measure its state (DJL "
                        + Engine.getDjlVersion() + "; made for 0.35.1): " + e, e);
            }
            for (Map<?, ?> perDevice : ((Map<?, Map<?, ?>>) moments).values()) {
                for (Object array : perDevice.values()) {
                    NDArray a = (NDArray) array;
                    bytes += a.getDataType().getNumOfBytes() * a.size();
                }
            }
        }
        return bytes;
    }

    private static String array(List<Long> values) {
        StringJoiner array = new StringJoiner(", ", "[", "]");
        values.forEach(n -> array.add(n.toString()));
        return array.toString();
    }

    /**
     * Writes the result as one JSON object. Losses are written with {@link Float#toString},
     * which reads back as the same float.
     *
     * @param result what to write
     * @param file   where
     */
    public static void write(Result result, Path file) {
        StringJoiner losses = new StringJoiner(", ", "[", "]");
        result.losses().forEach(l -> losses.add(Float.isFinite(l) ? l.toString() : "null"));
        String json = String.format(Locale.ROOT, "{%n  \"losses\": %s,%n  \"stepNanos\": %s,%n  \"stepCpuNanos\": %s,%n"
                        + "  \"parameterBytes\": %d,%n  \"gradientBytes\": %d,%n  \"optimizerStateBytes\": %d,%n"
                        + "  \"stepRssBytes\": %s,%n  \"peakRssBytes\": %d,%n  \"firstStepsPeakRssBytes\": %d,%n"
                        + "  \"heapCommittedBytes\": %d%n}%n",
                losses, array(result.stepNanos()), array(result.stepCpuNanos()), result.parameterBytes(),
                result.gradientBytes(), result.optimizerStateBytes(), array(result.stepRssBytes()),
                result.peakRssBytes(), result.firstStepsPeakRssBytes(), result.heapCommittedBytes());
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.writeString(file, json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the result to " + file + ": " + e.getMessage(), e);
        }
    }
}
