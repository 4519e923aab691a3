package io.teraio.core.engine;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A tensor read back ahead of its use ({@link MigrationEngine#prefetch}). */
@Name("io.teraio.Prefetch")
@Label("Prefetch")
@Description("A tensor read back into device memory ahead of its use, its memory reservation included")
final class PrefetchEvent extends TensorIoEvent {
}
