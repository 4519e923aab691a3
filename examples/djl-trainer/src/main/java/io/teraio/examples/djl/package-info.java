/**
 * A plain DJL training program: {@link io.teraio.examples.djl.DjlTrainer} trains an MLP or a
 * small ResNet with AdamW on synthetic data on the PyTorch CPU engine and writes its per-step
 * losses, step times and tensor sizes. It knows nothing of teraio; {@code teraio demo} and the
 * agent benchmark run it with and without the agent and compare the two.
 */
package io.teraio.examples.djl;
