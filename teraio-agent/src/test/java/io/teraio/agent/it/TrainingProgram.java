package io.teraio.agent.it;

import ai.djl.Model;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A real DJL training program for the agent's integration tests: DJL's own {@code Mlp}, a
 * {@code ResNetV1} from {@code ai.djl.basicmodelzoo}, or a transformer of two of DJL's
 * {@code TransformerEncoderBlock}s (attention and feed-forward blocks, dropout on) with a linear
 * head, trained with Adam on seeded synthetic data in a plain loop (iterateDataset, forward, backward, step). Writes one line per step
 * with the loss's float bits, so runs can be compared bitwise.
 *
 * <p>Arguments: {@code mlp|resnet|transformer STEPS LOSSES_FILE [DIVERGE_AT]}; at step {@code DIVERGE_AT} the
 * loop runs one extra op (a max of the predictions, logged), which changes no loss. Each step's
 * wall and CPU time go to the same file on {@code #} lines.
 */
public final class TrainingProgram {
    private TrainingProgram() {
    }

    public static void main(String[] args) throws Exception {
        String model = args[0];
        int steps = Integer.parseInt(args[1]);
        Path losses = Path.of(args[2]);
        int divergeAt = args.length > 3 ? Integer.parseInt(args[3]) : -1;
        Engine.getEngine("PyTorch").setRandomSeed(42);
        int batch = 16;
        Shape input;
        Block block;
        int classes = 10;
        if (model.equals("mlp")) {
            input = new Shape(batch, 256);
            block = new Mlp(256, classes, new int[] {512, 256});
        } else if (model.equals("transformer")) {
            // two encoder blocks (self-attention, then a feed-forward block; dropout on) and a linear head
            input = new Shape(batch, 16, 64);
            block = new SequentialBlock()
                    .add(new TransformerEncoderBlock(64, 4, 256, 0.1f, Activation::gelu))
                    .add(new TransformerEncoderBlock(64, 4, 256, 0.1f, Activation::gelu))
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(classes).build());
        } else {
            input = new Shape(batch, 3, 16, 16);
            block = ResNetV1.builder().setImageShape(new Shape(3, 16, 16)).setNumLayers(20).setOutSize(classes)
                    .build();
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             Model m = Model.newInstance(model, "PyTorch");
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(losses))) {
            m.setBlock(block);
            Random random = new Random(7);
            int samples = batch * steps;
            float[] x = new float[(int) (samples * input.size() / batch)];
            float[] y = new float[samples];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = random.nextInt(classes);
            }
            long[] dims = input.getShape().clone();
            dims[0] = samples;
            ArrayDataset data = new ArrayDataset.Builder()
                    .setData(manager.create(x, new Shape(dims)))
                    .optLabels(manager.create(y, new Shape(samples)))
                    .setSampling(batch, false)
                    .build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optInitializer(new NormalInitializer(0.05f), ai.djl.nn.Parameter.Type.WEIGHT)
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
            try (Trainer trainer = m.newTrainer(config)) {
                trainer.initialize(input);
                int step = 0;
                java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
                for (Batch b : trainer.iterateDataset(data)) {
                    long start = System.nanoTime();
                    long cpuStart = cpu.getCurrentThreadCpuTime();
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList predictions = trainer.forward(b.getData());
                        NDArray loss = trainer.getLoss().evaluate(b.getLabels(), predictions);
                        if (step == divergeAt) {
                            // one extra op in this iteration only, as logging code does: the op sequence diverges
                            out.println("# max " + predictions.singletonOrThrow().max().getFloat());
                        }
                        gc.backward(loss);
                        out.println(step + " " + Integer.toHexString(Float.floatToRawIntBits(loss.getFloat())));
                    }
                    trainer.step();
                    b.close();
                    out.println("# stepNs " + step + " " + (System.nanoTime() - start) + " cpuNs "
                            + (cpu.getCurrentThreadCpuTime() - cpuStart));
                    step++;
                }
            }
        }
    }
}
