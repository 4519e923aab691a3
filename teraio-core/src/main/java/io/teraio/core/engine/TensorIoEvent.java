package io.teraio.core.engine;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/**
 * A transfer of one tensor's bytes, its duration from issue to completion: {@link
 * OffloadEvent}, {@link PrefetchEvent} and {@link MissEvent}.
 */
@StackTrace(false)
abstract class TensorIoEvent extends TensorEvent {
    @Label("Urgent")
    @Description("Whether the transfer jumped the queue")
    boolean urgent;

    @Label("Succeeded")
    @Description("Whether the bytes moved and the tensor changed place (false: it stayed where it was)")
    boolean succeeded;

    /** Ends the event, and sets the fields and commits it if the recording wants it. */
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
