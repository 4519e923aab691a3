package io.teraio.core.engine;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;

/**
 * What every Java Flight Recorder event of the engine says about its tensor: the transfers
 * ({@link TensorIoEvent}) and the waits ({@link StallEvent}); docs/engine.md lists them.
 */
@Category({"teraio", "Migration engine"})
@Enabled(true)
abstract class TensorEvent extends Event {
    @Label("Tensor")
    @Description("The tensor's key")
    String key;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("SSD")
    @Description("The SSD id; -1 for host memory, -2 for striped over every SSD, -3 for none (a stall on a"
            + " tensor with no storage place)")
    int ssd;
}
