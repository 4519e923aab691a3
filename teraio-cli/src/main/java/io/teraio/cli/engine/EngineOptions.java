package io.teraio.cli.engine;

import io.teraio.core.TeraioException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The engine flags of {@code bench-io}, {@code probe} and {@code replay}: the SSD directories
 * and any configuration key ({@code -c io.taskSize=8m}, docs/configuration.md). They become
 * the arguments of {@link io.teraio.core.config.TeraioConfig#resolve(Map)}, so they win over
 * system properties and the environment.
 */
final class EngineOptions {
    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "An SSD directory for offload files (repeat for more SSDs; one per SSD).")
    List<Path> dirs;

    @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE",
            description = "A configuration key, such as io.taskSize=8m (docs/configuration.md; repeatable).")
    List<String> config = List.of();

    @Option(names = "--create", description = "Create the --dir directories that do not exist yet (without it, each must exist).")
    boolean create;

    /**
     * The configuration arguments: {@code -c} pairs, then {@code dirs} and {@code extra} over them.
     *
     * @throws TeraioException if a {@code --dir} does not exist and {@code --create} was not given
     */
    Map<String, String> args(Map<String, String> extra) {
        Map<String, String> args = pairs(config);
        if (!create) {
            for (Path dir : dirs) {
                if (!Files.exists(dir)) {
                    throw new TeraioException(dir + ": no such directory; create it, or give --create to have teraio"
                            + " create it");
                }
            }
        }
        args.put("dirs", String.join(":", dirs.stream().map(Path::toString).toList()));
        args.putAll(extra);
        return args;
    }

    /** {@code -c KEY=VALUE} pairs as a map, in order. */
    static Map<String, String> pairs(List<String> config) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String pair : config) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new TeraioException("--config: '" + pair + "' is not KEY=VALUE, such as io.taskSize=8m");
            }
            args.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return args;
    }
}
