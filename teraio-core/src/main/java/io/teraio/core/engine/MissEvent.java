package io.teraio.core.engine;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A tensor needed while offloaded and not being prefetched, fetched at once ({@link MigrationEngine#acquire}). */
@Name("io.teraio.Miss")
@Label("Miss")
@Description("A tensor needed while offloaded with no prefetch under way, read back at once, urgently")
final class MissEvent extends TensorIoEvent {
}
