/**
 * The commands that make and read traces: {@code import} (PyTorch ET, Kineto and G10 files),
 * {@code synth} (a transformer's training iteration, generated) and {@code analyze} (what a
 * trace says about tensor lifetimes).
 */
package io.teraio.cli.trace;
