package io.teraio.core.engine;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The compute stream waiting in {@link MigrationEngine#acquire} for a tensor that was not
 * resident; the duration is the wait. Only acquires that wait emit it.
 */
@Name("io.teraio.Stall")
@Label("Stall")
@Description("Training waited for a tensor to become resident (its offload to finish, its prefetch, or a miss)")
@StackTrace(true)
final class StallEvent extends TensorEvent {
    @Label("Waited for")
    @Description("offload (kept resident), prefetch, or miss")
    String waitedFor;
}
