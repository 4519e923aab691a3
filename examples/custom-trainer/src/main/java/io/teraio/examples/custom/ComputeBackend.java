package io.teraio.examples.custom;

import io.teraio.core.TeraioException;
import io.teraio.core.config.TeraioConfig;
import io.teraio.core.storage.Availability;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the example trainer computes: {@code cpu} (plain Java over host device memory,
 * always there) or {@code cuda} (kernels of our own through the JCuda driver API, over CUDA
 * device memory: the session needs {@code memory=cuda}). {@link #select} resolves the
 * {@code compute} option, {@code cpu}, {@code cuda} or {@code auto}.
 */
public enum ComputeBackend {
    CPU,
    CUDA;

    /** What ran and why, for the one line a run prints. */
    public record Selection(ComputeBackend backend, String reason) {
        /**
         * The configuration of {@code args} (then properties, environment) for this backend:
         * with {@code memory=cuda} for cuda unless {@code args} set {@code memory}.
         */
        public TeraioConfig config(Map<String, String> args) {
            if (backend != CUDA || args.containsKey("memory")) {
                return TeraioConfig.resolve(args);
            }
            Map<String, String> withMemory = new HashMap<>(args);
            withMemory.put("memory", backend.memory());
            return TeraioConfig.resolve(withMemory);
        }
    }

    /** {@code cpu} or {@code cuda}: the option's word, the demo's and the JSON's. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The {@code memory} the session's configuration must have: {@code host} for cpu, {@code cuda} for cuda. */
    public String memory() {
        return this == CPU ? "host" : "cuda";
    }

    /** Whether this backend can compute on CUDA device {@code device} (cpu: always), and why not. */
    public Availability availability(int device) {
        return this == CPU ? Availability.yes("plain Java") : CudaKernels.availability(device);
    }

    /**
     * Resolves the option: {@code cpu}, {@code cuda} (fails without a usable GPU) or {@code auto}
     * (cuda when device {@code device} is usable, else cpu; the reason says which and why).
     *
     * @throws TeraioException for another word, or {@code cuda} without a usable GPU, naming the reason
     */
    public static Selection select(String option, int device) {
        String word = option.trim().toLowerCase(Locale.ROOT);
        switch (word) {
            case "cpu" -> {
                return new Selection(CPU, "compute cpu (asked for)");
            }
            case "cuda" -> {
                Availability a = CUDA.availability(device);
                if (!a.available()) {
                    throw new TeraioException("compute cuda: " + a.reason() + "; use compute cpu or auto");
                }
                return new Selection(CUDA, "compute cuda (asked for): " + a.reason());
            }
            case "auto" -> {
                Availability a = CUDA.availability(device);
                return a.available() ? new Selection(CUDA, "compute auto: cuda, " + a.reason())
                        : new Selection(CPU, "compute auto: cpu, because " + a.reason());
            }
            default -> throw new TeraioException("compute '" + option + "': use cpu, cuda or auto");
        }
    }

    /** This backend's kernels on {@code device}. */
    Kernels open(int device) {
        return this == CPU ? new CpuKernels() : CudaKernels.open(device);
    }
}
