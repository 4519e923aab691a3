package io.teraio.core.engine;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
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
@Category({"teraio", "Migration engine"})
@Enabled(true)
@StackTrace(true)
final class StallEvent extends Event {
    @Label("Tensor")
    @Description("The tensor's key")
    String key;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("SSD")
    @Description("The SSD it was on or being written to; -1 host memory, -2 striped over every SSD, -3 none")
    int ssd;

    @Label("Waited for")
    @Description("offload (kept resident), prefetch, or miss")
    String waitedFor;
}
