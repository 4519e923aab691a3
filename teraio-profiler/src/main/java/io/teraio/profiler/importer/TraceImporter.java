package io.teraio.profiler.importer;

import java.nio.file.Path;
import java.util.List;

/**
 * Converts files another tool wrote into a teraio trace.
 *
 * <p>An importer reads its inputs as streams (they can be tens of MB), never prints, and
 * reports every problem with its input as a {@link io.teraio.core.TeraioException} whose
 * message is one line naming the file and what is wrong. The trace it returns has passed
 * {@link io.teraio.core.trace.TraceValidator}.
 */
public interface TraceImporter {
    /** The name users pick it by ({@code teraio import --from NAME}). */
    String format();

    /**
     * Imports {@code inputs} (what each importer accepts is in its javadoc).
     *
     * @throws io.teraio.core.TeraioException if an input is missing, unreadable, truncated or
     *                                        not of this format
     */
    ImportResult importFiles(List<Path> inputs, ImportOptions options);
}
