/**
 * The embedding API, for custom JVM trainers that own their tensors: open a
 * {@link io.teraio.core.session.TeraioSession} from a {@link io.teraio.core.config.TeraioConfig}
 * and {@link io.teraio.core.session.SessionOptions} (mode off, profile, offload with a plan, or
 * auto), register persistent tensors, mark each op with the tensors it uses, allocates and
 * frees, end each iteration, and {@link io.teraio.core.session.TeraioSession#acquire acquire} a
 * tensor's buffer when the op needs it. The same calls record a trace while profiling and,
 * once there is a plan, move idle tensors out of device memory and back on time. Public
 * types: the session, its options and {@link io.teraio.core.session.SessionMode mode}, the
 * {@link io.teraio.core.session.TensorHandle} and the
 * {@link io.teraio.core.session.SessionStats}; for a trainer of several devices,
 * {@link io.teraio.core.session.DeviceSessions}, a session per device over its own engine.
 * Guide: docs/embedding.md.
 * {@link io.teraio.core.session.AgentStats} is the stats file the DJL agent writes at exit and
 * {@code teraio demo} reads.
 */
package io.teraio.core.session;
