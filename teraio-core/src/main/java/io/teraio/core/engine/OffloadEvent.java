package io.teraio.core.engine;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A tensor written out of device memory ({@link MigrationEngine#offload}). */
@Name("io.teraio.Offload")
@Label("Offload")
@Description("A tensor written from device memory to an SSD or host memory; its memory is freed when it ends")
final class OffloadEvent extends TensorIoEvent {
}
