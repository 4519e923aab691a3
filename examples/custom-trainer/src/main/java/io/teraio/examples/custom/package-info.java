/**
 * An example of a custom JVM trainer that embeds teraio through the embedding API
 * ({@link io.teraio.core.session}): {@link io.teraio.examples.custom.MlpTrainer} trains a
 * multi-layer perceptron with its own forward and backward ops, computed on the CPU or by CUDA
 * kernels of its own ({@link io.teraio.examples.custom.ComputeBackend}), and its saved
 * activations go through a {@link io.teraio.core.session.TeraioSession}, which offloads them
 * after forward and prefetches them before backward as its plan says. {@code teraio demo
 * --workload custom} runs it without and with teraio; {@link io.teraio.examples.custom.Main}
 * runs it alone.
 */
package io.teraio.examples.custom;
