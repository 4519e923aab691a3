package io.teraio.examples.custom;

/**
 * The model and its training: a multi-layer perceptron ({@code layers} linear layers with
 * ReLU between them) trained with plain SGD on mean squared error against a fixed random
 * teacher, on a new synthetic batch every step. Everything is fp32 and deterministic for a
 * seed.
 *
 * @param batch        samples per step
 * @param inputs       input features
 * @param hidden       width of the hidden layers
 * @param outputs      outputs of the last layer
 * @param layers       linear layers (at least 2)
 * @param learningRate the SGD step size
 * @param seed         seeds the weights, the teacher and the batches
 */
public record MlpSpec(int batch, int inputs, int hidden, int outputs, int layers, float learningRate, long seed) {
    public MlpSpec {
        if (batch < 1 || inputs < 1 || hidden < 1 || outputs < 1) {
            throw new IllegalArgumentException("mlp: batch, inputs, hidden and outputs must be positive, got " + batch
                    + ", " + inputs + ", " + hidden + ", " + outputs);
        }
        if (layers < 2) {
            throw new IllegalArgumentException("mlp: at least 2 layers, got " + layers);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("mlp: the learning rate must be positive, got " + learningRate);
        }
    }

    /**
     * The demo's model: batch 2048, 128 inputs, 8 layers of width 128, 16 outputs. Its
     * activations (1 MiB each) are 16 times its parameters, as in training with large batches.
     */
    public static MlpSpec demo() {
        return new MlpSpec(2048, 128, 128, 16, 8, 0.02f, 42);
    }

    /** A small model for tests: batch 512, 8 layers of width 32. */
    public static MlpSpec small() {
        return new MlpSpec(512, 32, 32, 8, 8, 0.02f, 7);
    }

    /** Inputs of layer {@code l}. */
    public int inDim(int l) {
        return l == 0 ? inputs : hidden;
    }

    /** Outputs of layer {@code l}. */
    public int outDim(int l) {
        return l == layers - 1 ? outputs : hidden;
    }

    /** Floats of layer {@code l}'s parameters: its weights ({@code inDim x outDim}), then its bias. */
    public int paramFloats(int l) {
        return inDim(l) * outDim(l) + outDim(l);
    }

    /** Every tensor's bytes added up: parameters, the activations of a step and one gradient of each; more than the peak. */
    public long totalBytes() {
        long total = 0;
        for (int l = 0; l < layers; l++) {
            total += 2L * Float.BYTES * paramFloats(l) + 2L * Float.BYTES * batch * (inDim(l) + outDim(l));
        }
        return total + (long) Float.BYTES * batch * outputs;
    }
}
