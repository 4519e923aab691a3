package io.teraio.demo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.teraio.core.TeraioException;
import io.teraio.core.internal.ProcessMemory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Runs {@code examples/djl-trainer} (the plain DJL training program) in a child JVM, with or
 * without the teraio agent, and reads what it wrote. The demo and the agent benchmark both
 * run it this way: built jars only, no Maven.
 *
 * @param home     the teraio checkout (its {@code examples/djl-trainer/target} and
 *                 {@code teraio-agent/target} hold what is run)
 * @param trainerJar the trainer's jar
 * @param trainerLib the folder of the trainer's runtime dependencies
 * @param agentJar the shaded agent jar
 */
public record DjlTrainerProcess(Path home, Path trainerJar, Path trainerLib, Path agentJar) {
    /** The trainer's main class. */
    public static final String MAIN_CLASS = "io.teraio.examples.djl.DjlTrainer";
    /**
     * What builds the trainer and the agent, with the teraio command that runs the demo over them
     * (as {@code scripts/teraio demo} does), for error messages.
     */
    public static final String BUILD_COMMAND =
            "./mvnw -B -q -DskipTests -pl teraio-cli,teraio-agent,examples/djl-trainer -am package";
    /**
     * DJL's settings for this machine: no downloads (the PyTorch natives come from the class
     * path) and one PyTorch thread (its thread pools make steps 30 to 50 times slower on two
     * cores), which also makes the losses reproducible bit for bit.
     */
    public static final List<String> JVM_FLAGS = List.of("-Dai.djl.offline=true",
            "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1");
    /**
     * The Java heap of every child: fixed and touched at start, so that it is resident in full
     * and equal in the runs with and without teraio, and their resident bytes differ by the
     * native part only (PyTorch's tensors among it). The process's peak resident bytes (VmHWM)
     * of three runs of the trainer alone (MLP, hidden 2048, 16 steps) spread over 176 MiB with
     * the JVM's default heap, 49 MiB with {@code -Xms256m -Xmx256m}, and 34 MiB with these flags
     * (3 MiB with {@link #ENVIRONMENT} too).
     */
    public static final List<String> HEAP_FLAGS = List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch");
    /**
     * glibc's malloc with a fixed threshold of 128 KiB above which it maps each block on its own
     * and unmaps it at free: PyTorch's tensors then leave the process's resident bytes when they
     * are freed. Without it glibc raises the threshold as large blocks are freed (up to 32 MiB),
     * serves later tensors from its heap and keeps their pages after free: the trainer alone
     * peaked 300 MiB higher, with a spread of 34 MiB over three runs against 3 MiB with it.
     * Other C libraries ignore the variable.
     */
    public static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_MMAP_THRESHOLD_", "131072");

    /**
     * The trainer and the agent of the teraio checkout this class was loaded from (or the
     * one the {@code teraio.home} system property names).
     */
    public static DjlTrainerProcess ofCheckout() {
        Path home = checkout();
        return new DjlTrainerProcess(home, home.resolve("examples/djl-trainer/target/djl-trainer.jar"),
                home.resolve("examples/djl-trainer/target/lib"), home.resolve("teraio-agent/target/teraio-agent.jar"));
    }

    /**
     * The teraio checkout: {@code teraio.home}, else three levels up from the jar or classes folder
     * this class was loaded from ({@code teraio-cli/target/teraio.jar}, the teraio command;
     * {@code benchmarks/target/benchmarks.jar}; or {@code teraio-demo-driver/target/classes}).
     */
    public static Path checkout() {
        String property = System.getProperty("teraio.home");
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        try {
            Path code = Path.of(DjlTrainerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.toAbsolutePath().getParent().getParent().getParent();
        } catch (URISyntaxException | RuntimeException e) {
            throw new TeraioException("cannot find the teraio checkout from the location of the jar that holds the"
                    + " demo driver (" + e + "); set -Dteraio.home=DIR", e);
        }
    }

    /**
     * Checks that the trainer was built.
     *
     * @throws TeraioException naming the missing file and the command that builds it
     */
    public void requireTrainer() {
        if (!Files.isRegularFile(trainerJar) || !Files.isDirectory(trainerLib)) {
            Path missing = Files.isRegularFile(trainerJar) ? trainerLib : trainerJar;
            throw new TeraioException("the DJL trainer is not built: " + missing + " is missing; build it with '"
                    + BUILD_COMMAND + "' in " + home + " (scripts/teraio demo does this)");
        }
    }

    /**
     * Checks that the agent jar was built.
     *
     * @throws TeraioException naming the missing file and the command that builds it
     */
    public void requireAgent() {
        if (!Files.isRegularFile(agentJar)) {
            throw new TeraioException("the teraio agent is not built: " + agentJar + " is missing; build it with '"
                    + BUILD_COMMAND + "' in " + home + " (scripts/teraio demo does this)");
        }
    }

    /**
     * What the trainer trains in one run.
     *
     * @param model  {@code mlp} or {@code resnet}
     * @param batch  samples per step; 0 for the trainer's default for the model
     * @param size   the model's size: the width of the MLP's hidden layers ({@code --hidden}), the ResNet's
     *               depth ({@code --layers}); 0 for the trainer's default
     * @param steps  training steps
     * @param seed   the seed of the weights and the data
     * @param resetPeakAfter the step after which the child resets its peak resident bytes
     *               ({@code --reset-peak-after}); 0: never
     */
    public record Job(String model, int batch, int size, int steps, int seed, int resetPeakAfter) {
        public Job {
            if (batch < 0 || size < 0 || steps < 1) {
                throw new IllegalArgumentException("a trainer job needs a batch and a size of 0 (the default)"
                        + " or more and at least one step, got batch " + batch + ", size " + size + " and " + steps
                        + " steps");
            }
        }

        /** A job with the trainer's default size. */
        public Job(String model, int batch, int steps, int seed) {
            this(model, batch, 0, steps, seed, 0);
        }

        /** {@code model}, with {@code batch N} and {@code hidden N} or {@code layers N} when they are not the default. */
        public String describe() {
            return model + (batch == 0 ? "" : ", batch " + batch) + (size == 0 ? "" : ", " + sizeOption().substring(2)
                    + " " + size);
        }

        /** The trainer's option for {@link #size}: {@code --hidden} for the MLP, {@code --layers} for the ResNet. */
        String sizeOption() {
            return model.equals("resnet") ? "--layers" : "--hidden";
        }
    }

    /**
     * Trains once, with the trainer's default batch, and reads the result.
     *
     * @param model     {@code mlp} or {@code resnet}
     * @param steps     training steps
     * @param seed      the seed of the weights and the data
     * @param agentArgs the agent's arguments ({@code mode=auto,dirs=...}), or null to run without it
     * @param out       the trainer's result file
     * @param log       where the child's stdout and stderr go
     * @return what the trainer wrote
     * @throws TeraioException if the child fails (with the end of its log) or writes a bad file
     */
    public TrainerResult train(String model, int steps, int seed, String agentArgs, Path out, Path log) {
        return train(new Job(model, 0, steps, seed), agentArgs, out, log, done -> { });
    }

    /**
     * As {@link #train(String, int, int, String, Path, Path)}, telling {@code stepsDone} how many
     * steps the trainer has finished (it prints a {@code step N of M} line after each) while it runs.
     */
    public TrainerResult train(String model, int steps, int seed, String agentArgs, Path out, Path log,
                               LongConsumer stepsDone) {
        return train(new Job(model, 0, steps, seed), agentArgs, out, log, stepsDone);
    }

    /**
     * Trains {@code job} once and reads the result.
     *
     * @param agentArgs the agent's arguments ({@code mode=auto,dirs=...}), or null to run without it
     * @param out       the trainer's result file
     * @param log       where the child's stdout and stderr go
     * @param stepsDone told how many steps the trainer has finished while it runs
     * @return what the trainer wrote
     * @throws TeraioException if the child fails (with the end of its log) or writes a bad file
     */
    public TrainerResult train(Job job, String agentArgs, Path out, Path log, LongConsumer stepsDone) {
        String model = job.model();
        int steps = job.steps();
        requireTrainer();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (agentArgs != null) {
            requireAgent();
            command.add("-javaagent:" + agentJar + "=" + agentArgs);
        }
        command.addAll(HEAP_FLAGS);
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(trainerJar + File.pathSeparator + trainerLib + File.separator + "*");
        command.add(MAIN_CLASS);
        command.addAll(List.of("--model", model, "--steps", Integer.toString(steps), "--seed",
                Integer.toString(job.seed()), "--out", out.toString()));
        if (job.batch() > 0) {
            command.addAll(List.of("--batch", Integer.toString(job.batch())));
        }
        if (job.size() > 0) {
            command.addAll(List.of(job.sizeOption(), Integer.toString(job.size())));
        }
        if (job.resetPeakAfter() > 0) {
            command.addAll(List.of("--reset-peak-after", Integer.toString(job.resetPeakAfter())));
        }
        int code;
        try {
            Files.deleteIfExists(out);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(ENVIRONMENT);
            Process child = builder.start();
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
                while (!child.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new TeraioException("the DJL trainer (" + job.describe() + ", " + steps + " steps) ran past "
                                + TIMEOUT_MINUTES + " minutes; its output is in " + log);
                    }
                    stepsDone.accept(stepsLogged(log));
                }
                stepsDone.accept(stepsLogged(log));
            } finally {
                child.destroyForcibly();
            }
            code = child.exitValue();
        } catch (IOException e) {
            throw new TeraioException("cannot start the DJL trainer (" + String.join(" ", command) + "): "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TeraioException("interrupted while the DJL trainer ran", e);
        }
        if (code != 0) {
            throw new TeraioException("the DJL trainer (" + job.describe() + ", " + steps + " steps"
                    + (agentArgs == null ? "" : ", agent " + agentArgs) + ") exited with code " + code + ": "
                    + failure(log) + " (its output is in " + log + ")");
        }
        return TrainerResult.read(out);
    }

    private static final long TIMEOUT_MINUTES = 30;
    private static final long POLL_MILLIS = 250;

    /** The {@code step N of M} lines the trainer has written to its log so far (0 if it cannot be read). */
    static long stepsLogged(Path log) {
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.startsWith("step ")).count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /**
     * What a failed trainer's log says of its end: for a JVM that crashed in native code, the
     * signal and the frame (from the fatal error report the JVM writes to the log), with what to
     * do when it is oneDNN, PyTorch's CPU kernels; else the log's last line. On CPUs whose
     * virtual machine reports no cache topology (Firecracker's AMD EPYC: no
     * {@code /sys/devices/system/cpu/cpu0/cache}), oneDNN's AVX-512 convolution backward of
     * PyTorch 2.7.1 divides by zero ({@code SIGFPE} in {@code brg_blocking_t::est_eff_1x1}) in
     * a ResNet-50's first step, with or without teraio.
     */
    static String failure(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return lastLine(log);
        }
        String signal = null;
        String frame = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (signal == null && line.matches("#\\s+SIG[A-Z]+ \\(.*")) {
                signal = line.substring(1).strip().split(" ")[0];
            } else if (frame == null && line.equals("# Problematic frame:") && i + 1 < lines.size()
                    && lines.get(i + 1).startsWith("#")) {
                frame = lines.get(i + 1).substring(1).strip();
            }
        }
        if (signal == null) {
            return lastLine(log);
        }
        String crash = "the JVM crashed with " + signal + (frame == null ? "" : " in " + frame);
        if (frame != null && frame.contains("dnnl::")) {
            crash += "; that is oneDNN, PyTorch's CPU kernels, with or without teraio: ONEDNN_MAX_CPU_ISA=AVX in the"
                    + " environment keeps it off the kernels that crash on this CPU (docs/troubleshooting.md)";
        }
        return crash;
    }

    /** The last non-blank line of a log, or a note that it is empty. */
    static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip();
                }
            }
            return "(no output)";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * What the trainer wrote.
     *
     * @param losses              the loss after every step
     * @param stepNanos           the wall time of every step
     * @param stepCpuNanos        the training thread's CPU time in every step
     * @param parameterBytes      bytes of the parameters
     * @param gradientBytes       bytes of their gradients
     * @param optimizerStateBytes bytes of AdamW's moments
     * @param stepRssBytes        the child's resident bytes after every step, as the OS counts them ({@code VmRSS})
     * @param peakRssBytes        the child's peak resident bytes at its end ({@code VmHWM}): since its reset
     *                            when the job asked for one; or {@link ProcessMemory#UNAVAILABLE}
     * @param firstStepsPeakRssBytes the child's peak before that reset (start-up and the first steps), or
     *                            {@link ProcessMemory#UNAVAILABLE}
     * @param heapCommittedBytes  the child's committed Java heap at its end
     */
    public record TrainerResult(List<Float> losses, List<Long> stepNanos, List<Long> stepCpuNanos,
                                long parameterBytes, long gradientBytes, long optimizerStateBytes,
                                List<Long> stepRssBytes, long peakRssBytes, long firstStepsPeakRssBytes,
                                long heapCommittedBytes) {
        public TrainerResult {
            losses = List.copyOf(losses);
            stepNanos = List.copyOf(stepNanos);
            stepCpuNanos = List.copyOf(stepCpuNanos);
            stepRssBytes = List.copyOf(stepRssBytes);
        }

        /** A result without the OS's figures (they are unavailable). */
        public TrainerResult(List<Float> losses, List<Long> stepNanos, List<Long> stepCpuNanos, long parameterBytes,
                             long gradientBytes, long optimizerStateBytes) {
            this(losses, stepNanos, stepCpuNanos, parameterBytes, gradientBytes, optimizerStateBytes, List.of(),
                    ProcessMemory.UNAVAILABLE, ProcessMemory.UNAVAILABLE, ProcessMemory.UNAVAILABLE);
        }

        /**
         * The median wall time of steps {@code from} (inclusive) to {@code to} (exclusive), 0-based.
         *
         * @throws TeraioException if the range holds no step
         */
        public long medianStepNanos(int from, int to) {
            return median(stepNanos, from, to);
        }

        /**
         * The median CPU time of the training thread in steps {@code from} (inclusive) to
         * {@code to} (exclusive), 0-based.
         *
         * @throws TeraioException if the range holds no step
         */
        public long medianStepCpuNanos(int from, int to) {
            return median(stepCpuNanos, from, to);
        }

        private static long median(List<Long> values, int from, int to) {
            if (from < 0 || to > values.size() || from >= to) {
                throw new TeraioException("no steps to time from step " + (from + 1) + " to " + to + " of a run of "
                        + values.size() + " steps");
            }
            List<Long> timed = new ArrayList<>(values.subList(from, to));
            Collections.sort(timed);
            int n = timed.size();
            return n % 2 == 1 ? timed.get(n / 2) : (timed.get(n / 2 - 1) + timed.get(n / 2)) / 2;
        }

        /** Parameters, gradients and optimizer state together. */
        public long trainingStateBytes() {
            return parameterBytes + gradientBytes + optimizerStateBytes;
        }

        /** Floats read exactly: through BigDecimal, so each loss is the float the trainer printed. */
        private static final ObjectMapper EXACT =
                new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

        /**
         * Reads a trainer's result file.
         *
         * @throws TeraioException naming the file and what is wrong
         */
        public static TrainerResult read(Path file) {
            JsonNode root;
            try {
                root = EXACT.readTree(file.toFile());
            } catch (IOException e) {
                throw new TeraioException(file + ": cannot read the trainer's result: " + e.getMessage(), e);
            }
            if (root == null || !root.path("losses").isArray() || !root.path("stepNanos").isArray()
                    || !root.path("stepCpuNanos").isArray()) {
                throw new TeraioException(file + ": not a trainer result (no 'losses', 'stepNanos' and 'stepCpuNanos'"
                        + " arrays)");
            }
            List<Float> losses = new ArrayList<>();
            root.get("losses").forEach(n -> losses.add(n.isNull() ? Float.NaN : n.decimalValue().floatValue()));
            List<Long> steps = new ArrayList<>();
            root.get("stepNanos").forEach(n -> steps.add(n.asLong()));
            List<Long> cpu = new ArrayList<>();
            root.get("stepCpuNanos").forEach(n -> cpu.add(n.asLong()));
            List<Long> rss = new ArrayList<>();
            root.path("stepRssBytes").forEach(n -> rss.add(n.asLong()));
            return new TrainerResult(losses, steps, cpu, field(root, "parameterBytes", file),
                    field(root, "gradientBytes", file), field(root, "optimizerStateBytes", file), rss,
                    root.path("peakRssBytes").asLong(ProcessMemory.UNAVAILABLE),
                    root.path("firstStepsPeakRssBytes").asLong(ProcessMemory.UNAVAILABLE),
                    root.path("heapCommittedBytes").asLong(ProcessMemory.UNAVAILABLE));
        }

        private static long field(JsonNode root, String name, Path file) {
            JsonNode n = root.get(name);
            if (n == null || !n.canConvertToLong() || n.asLong() < 0) {
                throw new TeraioException(file + ": '" + name + "' is missing or not a byte count");
            }
            return n.asLong();
        }
    }
}
