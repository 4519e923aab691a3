/**
 * What {@code teraio demo} drives: a real training program run twice, once without offloading
 * and once with teraio under a device memory budget only offloading can meet, and the two
 * compared step by step ({@link io.teraio.demo.DemoComparison}). {@link io.teraio.demo.DjlDemo}
 * runs {@code examples/djl-trainer} in child JVMs, with and without the agent, through
 * {@link io.teraio.demo.DjlTrainerProcess} (which the agent benchmarks use too);
 * {@link io.teraio.demo.CustomDemo} trains the custom-trainer example in this process. Progress
 * is shown through {@link io.teraio.demo.StepProgress}, which the CLI's progress bar implements.
 */
package io.teraio.demo;
