package io.teraio.core.engine;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/**
 * What the engine's Java Flight Recorder events about one tensor's bytes have in common; the
 * event's duration is the transfer's, from issue to completion. The events are
 * {@link OffloadEvent}, {@link PrefetchEvent} and {@link MissEvent}; docs/engine.md lists them.
 */
@Category({"teraio", "Migration engine"})
@Enabled(true)
@StackTrace(false)
abstract class TensorIoEvent extends Event {
    @Label("Tensor")
    @Description("The tensor's key")
    String key;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("SSD")
    @Description("The SSD id; -1 for host memory, -2 for striped over every SSD")
    int ssd;

    @Label("Urgent")
    @Description("Whether the transfer jumped the queue")
    boolean urgent;

    @Label("Succeeded")
    @Description("Whether the bytes moved and the tensor changed place (false: it stayed where it was)")
    boolean succeeded;

    /** Sets the fields and commits, if the recording wants this event. */
    final void finish(String key, long bytes, int ssd, boolean urgent, boolean succeeded) {
        end();
        if (shouldCommit()) {
            this.key = key;
            this.bytes = bytes;
            this.ssd = ssd;
            this.urgent = urgent;
            this.succeeded = succeeded;
            commit();
        }
    }
}
