/**
 * Synthetic traces of training decoder-only transformers: a {@link io.teraio.profiler.synth.TransformerSpec}
 * (sizes, batch, hardware rates, presets such as {@code llama3-8b}) and the
 * {@link io.teraio.profiler.synth.TransformerTrace} generator that records one training
 * step per iteration, forward, backward and AdamW, with realistic tensor sizes and op
 * durations, optionally split into as many kernels as a real iteration launches
 * ({@code docs/synth.md}).
 */
package io.teraio.profiler.synth;
