package io.teraio.core.engine;

import io.teraio.core.config.TeraioConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Small helpers shared by the engine tests. */
final class EngineTesting {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;

    private EngineTesting() {
    }

    /** A configuration from {@code key, value} pairs over the defaults (no properties, no environment). */
    static TeraioConfig config(String... keysAndValues) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            args.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return TeraioConfig.resolve(args, Map.of(), Map.of());
    }

    /** The future's value, waiting at most a minute. */
    static long await(CompletableFuture<Long> future) throws Exception {
        return future.get(60, TimeUnit.SECONDS);
    }
}
