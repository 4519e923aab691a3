package io.teraio.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.teraio.core.internal.json.JsonFiles;
import io.teraio.core.plan.Plan;
import io.teraio.core.plan.PlanAction;
import io.teraio.core.plan.PlanEntry;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent on real DJL training programs (DJL's {@code Mlp}, a {@code ResNetV1} from
 * {@code ai.djl.basicmodelzoo}, a transformer of DJL's encoder blocks) in child JVMs: profile
 * mode writes a valid trace, with backward's nodes, and changes no loss; auto mode moves
 * parameters, gradients, activations (through the torch bridge) and optimizer state to an
 * O_DIRECT file, keeps every loss bit for bit, stays under the budget and saves what the plan
 * predicted; offload mode applies a plan file; a failed bridge self-check leaves optimizer
 * state only; a bad argument fails the launch with one line.
 */
class AgentIT {
    @TempDir
    Path dir;

    @Test
    void mlpProfileWritesAValidTraceAndChangesNoLoss() throws Exception {
        ChildJvm.Run plain = ChildJvm.train(dir, "mlp", 5, null);
        assertEquals(0, plain.exitCode(), plain.stderr());
        ChildJvm.Run profiled = ChildJvm.train(dir, "mlp", 5, "mode=profile,warmup=1,iterations=2,out=trace.json.gz");
        assertEquals(0, profiled.exitCode(), profiled.stderr());
        assertEquals(plain.losses(), profiled.losses(), "profiling must not change a single loss bit");
        assertTrue(profiled.stderr().contains("teraio-agent 0.1.0-SNAPSHOT: mode=profile warmup=1 iterations=2"),
                profiled.stderr());
        assertTrue(profiled.stderr().contains("teraio-agent profile: 5 iterations (2 profiled)"), profiled.stderr());

        Trace trace = TraceReader.read(dir.resolve("trace.json.gz"));
        assertEquals(2, trace.iterations().size());
        assertEquals(trace.iterations().get(0).opCount(), trace.iterations().get(1).opCount(),
                "a plain training loop repeats the same ops every iteration");
        List<Tensor> states = trace.tensors().stream().filter(t -> t.kind() == TensorKind.OPTIMIZER_STATE).toList();
        List<Tensor> parameters = trace.tensors().stream().filter(t -> t.kind() == TensorKind.PARAMETER).toList();
        assertEquals(6, parameters.size(), "Mlp 256-512-256-10 has three weights and three biases");
        assertEquals(12, states.size(), "Adam keeps two moments per parameter");
        for (Tensor t : states) {
            assertTrue(t.persistent() && t.offloadable(), t.toString());
            assertTrue(t.key().endsWith(".means") || t.key().endsWith(".variances"), t.key());
        }
        assertTrue(parameters.stream().anyMatch(t -> t.key().endsWith("Linear_weight") && t.bytes() == 256 * 512 * 4),
                parameters.toString());
        assertTrue(trace.ops().stream().anyMatch(o -> o.name().equals("adamUpdate")));
        assertTrue(trace.ops().stream().anyMatch(o -> o.name().equals("linear")));
        // with the torch bridge: parameters, their gradients and activations move in place, and
        // each backward node is an op that uses what its forward op used and made
        for (Tensor p : parameters) {
            assertTrue(p.persistent() && p.offloadable(), p.toString());
        }
        List<Tensor> gradients = trace.tensors().stream().filter(t -> t.kind() == TensorKind.GRADIENT).toList();
        assertEquals(parameters.stream().map(t -> t.key() + ".grad").sorted().toList(),
                gradients.stream().map(Tensor::key).sorted().toList());
        assertTrue(gradients.stream().allMatch(t -> t.persistent() && t.offloadable()), gradients.toString());
        assertTrue(trace.tensors().stream().anyMatch(t -> t.kind() == TensorKind.ACTIVATION && t.offloadable()
                && t.bytes() == 16 * 512 * 4), "the first hidden layer's output");
        int last = trace.iterations().get(1).firstOp();
        List<String> names = trace.ops().subList(last, last + trace.iterations().get(1).opCount()).stream()
                .map(o -> o.name()).toList();
        assertEquals(3, names.stream().filter(n -> n.equals("backward:linear")).count(), names.toString());
        assertTrue(names.indexOf("backward") < names.indexOf("backward:linear")
                && names.lastIndexOf("backward:linear") < names.indexOf("adamUpdate"), names.toString());
        var firstLayer = trace.ops().subList(last, trace.ops().size()).stream()
                .filter(o -> o.name().equals("backward:linear")).reduce((a, b) -> b).orElseThrow();
        assertTrue(java.util.Arrays.stream(firstLayer.uses()).mapToObj(trace::tensor).map(Tensor::key).toList()
                .containsAll(List.of("02Linear_weight", "02Linear_weight.grad")), firstLayer.toString());

        ChildJvm.Run again = ChildJvm.train(dir, "mlp", 5, "mode=profile,out=again.json.gz,stats=again.json");
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(opsWithKeys(trace), opsWithKeys(TraceReader.read(dir.resolve("again.json.gz"))),
                "every run of the job has the same ops in the same order (parameters get ids in creation order)");

        JsonNode stats = JsonFiles.read(dir.resolve("teraio-agent-stats.json"));
        assertEquals("profile", stats.get("mode").asText());
        assertEquals(5, stats.get("iterations").asLong());
        assertEquals(2, stats.get("profiledIterations").asLong());
        assertTrue(stats.get("unconstrainedPeakBytes").asLong() >= stateBytes(trace) + paramBytes(trace));
        assertEquals(stats.get("unconstrainedPeakBytes").asLong(), stats.get("peakResidentBytes").asLong());

        // without the bridge only optimizer state is offloadable, and backward is one op
        ChildJvm.Run off = ChildJvm.train(dir, "mlp", 5, "mode=profile,torchBridge=false,out=off.json.gz");
        assertEquals(0, off.exitCode(), off.stderr());
        assertEquals(plain.losses(), off.losses());
        Trace without = TraceReader.read(dir.resolve("off.json.gz"));
        for (Tensor t : without.tensors()) {
            assertEquals(t.kind() == TensorKind.OPTIMIZER_STATE, t.offloadable(), t.toString());
        }
        assertTrue(without.ops().stream().noneMatch(o -> o.name().startsWith("backward:")));
    }

    @Test
    void mlpAutoMovesParametersGradientsAndAdamStateWithIdenticalLossesUnderHalfThePeak() throws Exception {
        Plan plan = autoRun("mlp", 12, 10, 1, 2);
        assertTrue(JsonFiles.read(dir.resolve("auto.json")).get("zeroBytesSkipped").asLong() > 0,
                "gradients just zeroed (DJL zeroes each after its update) are neither written nor read");
        assertMoves(plan, "parameters", e -> e.key().matches("\\d+Linear_(weight|bias)"));
        assertMoves(plan, "gradients", e -> e.key().endsWith(".grad"));
        assertMoves(plan, "Adam's moments", e -> e.key().endsWith(".means") || e.key().endsWith(".variances"));
    }

    @Test
    void aTransformerTrainsWithIdenticalLossesWhileItsActivationsAndParametersMove() throws Exception {
        // two encoder blocks (attention, feed-forward, layer norms, dropout on) and a linear head
        Plan plan = autoRun("transformer", 8, 10, 2, 5);
        assertTrue(JsonFiles.read(dir.resolve("auto.json")).get("unchangedBytesNotWritten").asLong() > 0,
                "a parameter written out after forward and read back for backward is not written again after"
                        + " backward (its version counter unchanged), and the losses stay bitwise equal");
        assertMoves(plan, "activations", e -> e.key().startsWith("op"));
        assertMoves(plan, "parameters", e -> e.key().contains("_") && !e.key().contains("."));
    }

    @Test
    void resnetAutoMovesEveryKindWithIdenticalLossesUnderAThirdOfThePeak() throws Exception {
        // The ResNet's AdamW state is hundreds of small arrays: when an SSD write confirms later
        // than the plan's 1 GB/s, the agent holds a prefetch back to keep the budget (docs/agent.md,
        // "Memory waits"), and the peak falls below the prediction: up to ~10% more saved in about
        // one run in six here. Saving less than predicted stays an error either way.
        Plan plan = autoRun("resnet", 8, 25, 1, 3);
        assertMoves(plan, "parameters or gradients", e -> !e.key().endsWith(".means") && !e.key().endsWith(".variances"));
        assertMoves(plan, "activations", e -> e.key().startsWith("op"));
        assertTrue(plan.entries().stream().filter(e -> e.action() == PlanAction.OFFLOAD).count()
                > plan.entries().stream().filter(e -> e.action() == PlanAction.PREFETCH).count(),
                "activations held after their last use are written out and never read back");
    }

    @Test
    void anIterationWhoseOpsDivergeIsCountedAndTrainsCorrectly() throws Exception {
        ChildJvm.Run plain = ChildJvm.train(dir, "mlp", 10, null, "6");
        assertEquals(0, plain.exitCode(), plain.stderr());
        Path ssd = Files.createDirectories(dir.resolve("ssd"));
        ChildJvm.Run auto = ChildJvm.train(dir, "mlp", 10, "mode=auto,stats=auto.json,dirs=" + ssd
                + ",hostMemory=0,io.preallocate=16m,deviceMemory=4700k", "6");
        assertEquals(0, auto.exitCode(), auto.stderr());
        assertEquals(plain.losses(), auto.losses(), "a divergent iteration must still train correctly");
        JsonNode stats = JsonFiles.read(dir.resolve("auto.json"));
        assertTrue(stats.get("planEntries").asLong() > 0, stats.toString());
        assertEquals(1, stats.get("divergences").asLong(), stats.toString());
        assertTrue(auto.stderr().contains("divergences 1"), auto.stderr());
    }

    @Test
    void theTorchBridgeIsCheckedOnceAndAFailedSelfCheckLeavesOptimizerStateOffloadingAsItWas() throws Exception {
        ChildJvm.Run plain = ChildJvm.train(dir, "mlp", 10, null);
        assertEquals(0, plain.exitCode(), plain.stderr());
        Path ssd = Files.createDirectories(dir.resolve("ssd"));
        String args = "mode=auto,dirs=" + ssd + ",hostMemory=0,io.preallocate=16m,deviceMemory=4700k";

        ChildJvm.Run works = ChildJvm.train(dir, "mlp", 10, args + ",stats=works.json,planOut=works.plan.json");
        assertEquals(0, works.exitCode(), works.stderr());
        assertEquals(plain.losses(), works.losses(), "loading and checking the bridge must not change a loss bit");
        assertEquals(1, occurrences(works.stderr(), "torch bridge available ("), works.stderr());
        JsonNode worked = JsonFiles.read(dir.resolve("works.json"));
        assertTrue(worked.get("torchBridge").asText().startsWith("available: libteraio_torch.so from the jar"),
                worked.toString());

        ChildJvm.Run broken = ChildJvm.train(dir, "mlp", 10, args + ",stats=broken.json,planOut=broken.plan.json",
                List.of("-Dteraio.torch.test.breakSelfCheck=true"));
        assertEquals(0, broken.exitCode(), broken.stderr());
        assertEquals(plain.losses(), broken.losses(), "without the bridge training is as it was");
        String reason = "self-check against libtorch 2.7.1 failed: the storage of a 4096-float tensor reads as 16384"
                + " bytes, DJL's view has 16384, expected 16385 (teraio.torch.test.breakSelfCheck is set)";
        assertEquals(1, occurrences(broken.stderr(), "torch bridge unavailable, optimizer state only: " + reason),
                broken.stderr());
        JsonNode fellBack = JsonFiles.read(dir.resolve("broken.json"));
        assertEquals("unavailable: " + reason, fellBack.get("torchBridge").asText());
        assertTrue(fellBack.get("bytesOffloaded").asLong() > 0, "optimizer state is offloaded as before: " + fellBack);
        assertTrue(Plan.read(dir.resolve("broken.plan.json")).entries().stream()
                .allMatch(e -> e.key().endsWith(".means") || e.key().endsWith(".variances")), "optimizer state only");

        ChildJvm.Run off = ChildJvm.train(dir, "mlp", 3, "mode=profile,torchBridge=false,stats=off.json");
        assertEquals(0, off.exitCode(), off.stderr());
        assertFalse(off.stderr().contains("torch bridge"), off.stderr());
        assertFalse(JsonFiles.read(dir.resolve("off.json")).has("torchBridge"));
    }

    @Test
    void aBadArgumentFailsTheLaunchWithOneLineNamingTheKey() throws Exception {
        ChildJvm.Run run = ChildJvm.train(dir, "mlp", 1, "mode=profile,deviceMemory=lots");
        assertEquals(2, run.exitCode(), run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), run.stderr());
        assertTrue(run.stderr().startsWith("teraio-agent: deviceMemory"), run.stderr());
        ChildJvm.Run noMode = ChildJvm.train(dir, "mlp", 1, "dirs=/tmp");
        assertEquals(2, noMode.exitCode(), noMode.stderr());
        assertEquals("teraio-agent: mode: required; use mode=profile, mode=offload or mode=auto",
                noMode.stderr().strip());
    }

    /**
     * Profiles to learn the unconstrained peak, then trains in auto mode with a budget that the
     * optimizer state's two fifths do not fit in, and finally applies the plan auto mode wrote in
     * offload mode.
     */
    /**
     * Trains {@code model} without the agent and in auto mode under a budget of
     * {@code budgetNumerator / budgetDenominator} of the unconstrained peak (0/0: the peak less
     * two fifths of the optimizer state); the bytes saved must be at least 90% of the
     * prediction and at most {@code overPercent}% above it. Returns the plan auto mode made.
     */
    private Plan autoRun(String model, int steps, int overPercent, int budgetNumerator, int budgetDenominator)
            throws Exception {
        ChildJvm.Run plain = ChildJvm.train(dir, model, steps, null);
        assertEquals(0, plain.exitCode(), plain.stderr());
        ChildJvm.Run profiled = ChildJvm.train(dir, model, 4, "mode=profile,out=profile.json.gz,stats=profile.json");
        assertEquals(0, profiled.exitCode(), profiled.stderr());
        long unconstrained = JsonFiles.read(dir.resolve("profile.json")).get("unconstrainedPeakBytes").asLong();
        long stateBytes = stateBytes(TraceReader.read(dir.resolve("profile.json.gz")));
        long budget = budgetDenominator == 0 ? unconstrained - stateBytes * 2 / 5
                : unconstrained * budgetNumerator / budgetDenominator;

        Path ssd = Files.createDirectories(dir.resolve("ssd"));
        String storage = ",dirs=" + ssd + ",hostMemory=0,io.preallocate=16m,deviceMemory=" + budget;
        ChildJvm.Run auto = ChildJvm.train(dir, model, steps, "mode=auto,out=auto.json.gz,stats=auto.json" + storage);
        assertEquals(0, auto.exitCode(), auto.stderr());
        assertEquals(plain.losses(), auto.losses(), "offloading must not change a single loss bit");
        assertEquals(steps, auto.losses().size());
        JsonNode stats = JsonFiles.read(dir.resolve("auto.json"));
        assertEquals(steps, stats.get("iterations").asLong());
        assertTrue(stats.get("planEntries").asLong() > 0, stats.toString());
        assertTrue(stats.get("bytesOffloaded").asLong() > 0, stats.toString());
        assertTrue(stats.get("bytesPrefetched").asLong() > 0, stats.toString());
        assertEquals(0, stats.get("divergences").asLong(), stats.toString());
        Matcher reuses = Pattern.compile("teraio-agent: (\\d+) restores reused the"
                + " memory of an evicted storage").matcher(auto.stderr());
        assertTrue(reuses.find() && Long.parseLong(reuses.group(1)) > 0, "restores take the memory evictions kept: "
                + auto.stderr());
        long peak = stats.get("peakResidentBytes").asLong();
        assertTrue(peak <= budget, "peak resident " + peak + " over the budget " + budget + ": " + stats);
        long saved = stats.get("unconstrainedPeakBytes").asLong() - peak;
        long predictedSaved = stats.get("predictedUnconstrainedBytes").asLong() - stats.get("predictedPeakBytes").asLong();
        assertTrue(predictedSaved > 0, stats.toString());
        assertTrue(saved >= predictedSaved - predictedSaved / 10 && saved <= predictedSaved
                + predictedSaved * overPercent / 100, "saved " + saved + " vs predicted " + predictedSaved + ": " + stats);
        Plan plan = Plan.read(dir.resolve("auto.plan.json"));
        assertEquals(stats.get("planEntries").asLong(), plan.entries().size());
        try (var files = Files.list(ssd)) {
            assertEquals(0, files.count(), "the run directory is deleted at exit");
        }

        ChildJvm.Run offload = ChildJvm.train(dir, model, steps,
                "mode=offload,plan=auto.plan.json,out=auto.json.gz,stats=offload.json" + storage);
        assertEquals(0, offload.exitCode(), offload.stderr());
        assertEquals(plain.losses(), offload.losses(), "offloading must not change a single loss bit");
        JsonNode applied = JsonFiles.read(dir.resolve("offload.json"));
        assertEquals("offload", applied.get("mode").asText());
        assertTrue(applied.get("bytesOffloaded").asLong() > 0, applied.toString());
        assertEquals(0, applied.get("misses").asLong(), applied.toString());
        assertEquals(0, applied.get("divergences").asLong(), applied.toString());
        assertTrue(applied.get("peakResidentBytes").asLong() <= budget, applied.toString());
        return plan;
    }

    private static void assertMoves(Plan plan, String what, java.util.function.Predicate<PlanEntry> kind) {
        assertTrue(plan.entries().stream().anyMatch(e -> e.action() == PlanAction.OFFLOAD && kind.test(e)),
                "the plan moves no " + what + ": " + plan.entries());
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }

    /** Each op's name with the keys of the persistent tensors it uses. */
    private static List<String> opsWithKeys(Trace trace) {
        return trace.ops().stream().map(o -> o.name() + java.util.Arrays.stream(o.uses())
                .mapToObj(trace::tensor).filter(Tensor::persistent).map(Tensor::key).toList()).toList();
    }

    private static long stateBytes(Trace trace) {
        return trace.tensors().stream().filter(t -> t.kind() == TensorKind.OPTIMIZER_STATE).mapToLong(Tensor::bytes)
                .sum();
    }

    private static long paramBytes(Trace trace) {
        return trace.tensors().stream().filter(t -> t.kind() == TensorKind.PARAMETER).mapToLong(Tensor::bytes).sum();
    }
}
