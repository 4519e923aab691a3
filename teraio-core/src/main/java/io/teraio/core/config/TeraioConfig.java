package io.teraio.core.config;

import io.teraio.core.TeraioException;
import io.teraio.core.Units;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The one configuration record of the runtime (the migration engine, the agent, the
 * embedding API). Every key has an argument spelling ({@code io.taskSize=4m}, as the agent
 * and {@code teraio} take it), a system property ({@code teraio.io.taskSize}) and an
 * environment variable ({@code TERAIO_IO_TASK_SIZE}); an argument wins over a property, a
 * property over the environment, the environment over the default. Each default is defined
 * once, in {@link #KEYS}; docs/configuration.md has a row per key.
 *
 * @param dirs               the SSD directories offload files go in, one per SSD ({@code dirs})
 * @param deviceMemoryBytes  capacity of host device memory ({@code deviceMemory})
 * @param hostMemoryBytes    the most host memory the host tier may hold ({@code hostMemory})
 * @param backend            the SSD backend: {@code auto}, {@code posix} or {@code gds} ({@code backend})
 * @param taskSizeBytes      requests are split into tasks of this size ({@code io.taskSize})
 * @param queueDepth         tasks in flight per SSD at most ({@code io.queueDepth})
 * @param threads            worker threads per SSD ({@code io.threads})
 * @param stagingBuffers     aligned task-size buffers per SSD (and for the host tier) that tasks whose memory
 *                           the backend cannot use directly pass through ({@code io.stagingBuffers})
 * @param preallocateBytes   space preallocated per SSD file at start and at each growth ({@code io.preallocate})
 * @param readRetries        times a failed read is retried before it fails ({@code io.readRetries})
 * @param skipZeros          tasks whose bytes are all zero are not written, and are read back as zeros without
 *                           I/O ({@code io.skipZeros})
 * @param verify             check CRC32C on every prefetch ({@code verify})
 * @param memory             the device memory tensors live in: {@code host} or {@code cuda} ({@code memory})
 * @param device             the CUDA device this engine serves ({@code device})
 * @param cufileLibrary      the {@code libcufile.so.0} to load, or empty for the system loader's
 *                           ({@code gds.cufileLibrary})
 */
public record TeraioConfig(List<Path> dirs, long deviceMemoryBytes, long hostMemoryBytes, String backend,
                           long taskSizeBytes, int queueDepth, int threads, int stagingBuffers, long preallocateBytes,
                           int readRetries, boolean skipZeros,
                           boolean verify, String memory, int device, String cufileLibrary) {

    /** One configuration key: its argument spelling, default and meaning. */
    public record Key(String name, String defaultValue, String description) {
        /** {@code teraio.io.taskSize}. */
        public String property() {
            return "teraio." + name;
        }

        /** {@code TERAIO_IO_TASK_SIZE}. */
        public String env() {
            StringBuilder sb = new StringBuilder("TERAIO_");
            for (char c : name.toCharArray()) {
                if (c == '.') {
                    sb.append('_');
                } else if (Character.isUpperCase(c)) {
                    sb.append('_').append(c);
                } else {
                    sb.append(Character.toUpperCase(c));
                }
            }
            return sb.toString();
        }
    }

    /** Every key, in the order docs/configuration.md lists them. */
    public static final List<Key> KEYS = List.of(
            new Key("dirs", "", "SSD directories for offload files, one per SSD, separated by ':' or ','"),
            new Key("deviceMemory", "4g", "capacity of host device memory (CPU training and tests)"),
            new Key("hostMemory", "8g", "most host memory the host tier may hold"),
            new Key("backend", "auto", "SSD backend: auto (gds when it works, else posix), posix, gds"),
            new Key("io.taskSize", "4m", "requests are split into tasks of this size"),
            new Key("io.queueDepth", "8", "tasks in flight per SSD at most"),
            new Key("io.threads", "8", "worker threads per SSD"),
            new Key("io.stagingBuffers", "4", "aligned task-size buffers per SSD that unaligned or non-host memory is"
                    + " staged through"),
            new Key("io.preallocate", "1g", "space preallocated per SSD file at start and at each growth"),
            new Key("io.readRetries", "2", "times a failed read is retried before it fails"),
            new Key("io.skipZeros", "true", "tasks whose bytes are all zero are not written, and read back as zeros"
                    + " without I/O"),
            new Key("verify", "false", "check CRC32C on every prefetch"),
            new Key("memory", "host", "the device memory tensors live in: host (off-heap) or cuda (JCuda)"),
            new Key("device", "0", "the CUDA device this engine serves (one engine per device)"),
            new Key("gds.cufileLibrary", "", "the libcufile.so.0 to load, else the system loader's"));

    public TeraioConfig {
        dirs = List.copyOf(Objects.requireNonNull(dirs, "dirs"));
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(cufileLibrary, "cufileLibrary");
    }

    /** The defaults, with no SSD directories. */
    public static TeraioConfig defaults() {
        return resolve(Map.of(), Map.of(), Map.of());
    }

    /** Arguments over this JVM's system properties over its environment over the defaults. */
    public static TeraioConfig resolve(Map<String, String> args) {
        Map<String, String> properties = new LinkedHashMap<>();
        System.getProperties().forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
        return resolve(args, properties, System.getenv());
    }

    /**
     * Resolves every key: {@code args} (keyed by name, {@code io.taskSize}) over
     * {@code properties} ({@code teraio.io.taskSize}) over {@code env}
     * ({@code TERAIO_IO_TASK_SIZE}) over the default.
     *
     * @throws TeraioException for an unknown argument key or a bad value, naming the key and
     *                         where the value came from
     */
    public static TeraioConfig resolve(Map<String, String> args, Map<String, String> properties,
                                       Map<String, String> env) {
        for (String name : args.keySet()) {
            if (KEYS.stream().noneMatch(k -> k.name().equals(name))) {
                throw new TeraioException("unknown configuration key '" + name + "'; the keys are "
                        + String.join(", ", KEYS.stream().map(Key::name).toList()));
            }
        }
        Values v = new Values(args, properties, env);
        List<Path> dirs = new ArrayList<>();
        for (String part : v.text("dirs").split("[:,]")) {
            if (!part.isBlank()) {
                try {
                    dirs.add(Path.of(part.trim()));
                } catch (InvalidPathException e) {
                    throw new TeraioException(v.origin("dirs") + ": '" + part.trim() + "' is not a path: "
                            + e.getReason());
                }
            }
        }
        String backend = v.text("backend").trim().toLowerCase(Locale.ROOT);
        if (!List.of("auto", "posix", "gds").contains(backend)) {
            throw new TeraioException(v.origin("backend") + ": '" + v.text("backend")
                    + "' is not a backend; use auto, posix or gds");
        }
        String memory = v.text("memory").trim().toLowerCase(Locale.ROOT);
        if (!List.of("host", "cuda").contains(memory)) {
            throw new TeraioException(v.origin("memory") + ": '" + v.text("memory")
                    + "' is not a device memory; use host or cuda");
        }
        long taskSize = v.bytes("io.taskSize", 4096);
        if (taskSize % 4096 != 0) {
            throw new TeraioException(v.origin("io.taskSize") + ": " + taskSize
                    + " is not a multiple of 4 KiB (O_DIRECT needs 4 KiB-aligned tasks)");
        }
        return new TeraioConfig(dirs, v.bytes("deviceMemory", 1), v.bytes("hostMemory", 0), backend, taskSize,
                v.integer("io.queueDepth", 1), v.integer("io.threads", 1), v.integer("io.stagingBuffers", 1),
                v.bytes("io.preallocate", 0), v.integer("io.readRetries", 0), v.bool("io.skipZeros"), v.bool("verify"),
                memory,
                v.integer("device", 0), v.text("gds.cufileLibrary").trim());
    }

    /** The effective configuration, a {@code key=value} per key, for the line printed at start. */
    public Map<String, String> describe() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("dirs", dirs.isEmpty() ? "(none)" : String.join(":", dirs.stream().map(Path::toString).toList()));
        map.put("deviceMemory", Units.formatBytes(deviceMemoryBytes));
        map.put("hostMemory", Units.formatBytes(hostMemoryBytes));
        map.put("backend", backend);
        map.put("io.taskSize", Units.formatBytes(taskSizeBytes));
        map.put("io.queueDepth", Integer.toString(queueDepth));
        map.put("io.threads", Integer.toString(threads));
        map.put("io.stagingBuffers", Integer.toString(stagingBuffers));
        map.put("io.preallocate", Units.formatBytes(preallocateBytes));
        map.put("io.readRetries", Integer.toString(readRetries));
        map.put("io.skipZeros", Boolean.toString(skipZeros));
        map.put("verify", Boolean.toString(verify));
        map.put("memory", memory);
        map.put("device", Integer.toString(device));
        map.put("gds.cufileLibrary", cufileLibrary.isEmpty() ? "(system loader)" : cufileLibrary);
        return Collections.unmodifiableMap(map);
    }

    /** A copy with other SSD directories. */
    public TeraioConfig withDirs(List<Path> newDirs) {
        return new TeraioConfig(newDirs, deviceMemoryBytes, hostMemoryBytes, backend, taskSizeBytes, queueDepth,
                threads, stagingBuffers, preallocateBytes, readRetries, skipZeros, verify, memory, device,
                cufileLibrary);
    }

    /** A copy with another device-memory capacity. */
    public TeraioConfig withDeviceMemory(long bytes) {
        return new TeraioConfig(dirs, bytes, hostMemoryBytes, backend, taskSizeBytes, queueDepth, threads,
                stagingBuffers, preallocateBytes, readRetries, skipZeros, verify, memory, device, cufileLibrary);
    }

    /** A copy for another CUDA device with its own SSD directories (one engine per device). */
    public TeraioConfig withDevice(int newDevice, List<Path> newDirs) {
        return new TeraioConfig(newDirs, deviceMemoryBytes, hostMemoryBytes, backend, taskSizeBytes, queueDepth,
                threads, stagingBuffers, preallocateBytes, readRetries, skipZeros, verify, memory, newDevice,
                cufileLibrary);
    }

    private record Values(Map<String, String> args, Map<String, String> properties, Map<String, String> env) {
        String text(String name) {
            Key key = key(name);
            if (args.containsKey(name)) {
                return args.get(name);
            }
            if (properties.containsKey(key.property())) {
                return properties.get(key.property());
            }
            if (env.containsKey(key.env())) {
                return env.get(key.env());
            }
            return key.defaultValue();
        }

        String origin(String name) {
            Key key = key(name);
            if (args.containsKey(name)) {
                return name;
            }
            if (properties.containsKey(key.property())) {
                return "system property " + key.property();
            }
            if (env.containsKey(key.env())) {
                return "environment variable " + key.env();
            }
            return name + " (default)";
        }

        long bytes(String name, long min) {
            long value = Units.parseBytes(origin(name), text(name));
            if (value < min) {
                throw new TeraioException(origin(name) + ": '" + text(name) + "' must be at least "
                        + Units.formatBytes(min));
            }
            return value;
        }

        int integer(String name, int min) {
            String text = text(name).trim();
            try {
                int value = Integer.parseInt(text);
                if (value >= min) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TeraioException(origin(name) + ": '" + text(name) + "' is not a whole number of at least " + min);
        }

        boolean bool(String name) {
            String text = text(name).trim().toLowerCase(Locale.ROOT);
            return switch (text) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new TeraioException(origin(name) + ": '" + text(name) + "' is not true or false");
            };
        }

        private static Key key(String name) {
            return KEYS.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
        }
    }
}
