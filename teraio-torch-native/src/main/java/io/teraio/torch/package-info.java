/**
 * teraio's native bridge to PyTorch, for DJL jobs on its PyTorch engine.
 *
 * <ul>
 *   <li>{@link io.teraio.torch.TorchBridge}: whether the bridge works here (it loads only after
 *       DJL's PyTorch engine, and checks the libtorch layout it relies on with a self-check),
 *       storages of arrays, backward hooks;</li>
 *   <li>{@link io.teraio.torch.TorchStorage}: one storage freed in place and given back while
 *       autograd and DJL still hold its tensors, its bytes streamed through the caller's direct
 *       buffers (a {@code DeviceBuffer} for the I/O engine);</li>
 *   <li>{@link io.teraio.torch.BackwardListener}: "backward of op j starts".</li>
 * </ul>
 * Every native call is in the package-private {@code TorchNative}; its codes become
 * exceptions in {@code TorchErrors} alone. The C++ source is {@code src/main/cpp}; see
 * docs/agent.md, "The torch bridge".
 */
package io.teraio.torch;
