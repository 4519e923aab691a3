package io.teraio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.TeraioException;
import io.teraio.demo.DjlTrainerProcess.TrainerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the DJL trainer wrote, read back: its losses exactly, its step times, its memory figures. */
class DjlTrainerProcessTest {
    @TempDir
    Path dir;

    @Test
    void trainerLossesAreReadBackAsTheExactFloats() throws Exception {
        // Shortest decimals of floats next to each other: a double-then-float reading must not blur them.
        float a = Math.nextUp(2.3121524f);
        float b = Math.nextUp(a);
        Path file = dir.resolve("run.json");
        Files.writeString(file, "{\"losses\": [" + a + ", " + b + ", null], \"stepNanos\": [5, 7, 9],"
                + " \"stepCpuNanos\": [4, 6, 8],"
                + " \"parameterBytes\": 100, \"gradientBytes\": 100, \"optimizerStateBytes\": 200}");
        TrainerResult r = TrainerResult.read(file);
        assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(r.losses().get(0)));
        assertEquals(Float.floatToRawIntBits(b), Float.floatToRawIntBits(r.losses().get(1)));
        assertTrue(Float.isNaN(r.losses().get(2)), "a NaN loss is written as null");
        assertEquals(400, r.trainingStateBytes());
        assertEquals(6, r.medianStepCpuNanos(0, 3));

        assertEquals(-1, r.peakRssBytes(), "a result without the OS's figures");

        Files.writeString(file, "{\"losses\": [1.0], \"stepNanos\": [5], \"stepCpuNanos\": [5],"
                + " \"parameterBytes\": 4, \"gradientBytes\": 4, \"optimizerStateBytes\": 8, \"stepRssBytes\": [700],"
                + " \"peakRssBytes\": 900, \"firstStepsPeakRssBytes\": 1000, \"heapCommittedBytes\": 300}");
        TrainerResult os = TrainerResult.read(file);
        assertEquals(List.of(700L), os.stepRssBytes());
        assertEquals(900, os.peakRssBytes());
        assertEquals(1000, os.firstStepsPeakRssBytes());
        assertEquals(300, os.heapCommittedBytes());

        Files.writeString(file, "{\"losses\": [1.0], \"stepNanos\": [5], \"stepCpuNanos\": [5], \"parameterBytes\": 1}");
        TeraioException e = assertThrows(TeraioException.class, () -> TrainerResult.read(file));
        assertEquals(file + ": 'gradientBytes' is missing or not a byte count", e.getMessage());
    }

    @Test
    void stepTimeIsTheMedianOfTheStepsAfterProfiling() {
        TrainerResult odd = new TrainerResult(List.of(), List.of(900L, 500L, 400L, 300L, 30L, 10L, 20L), List.of(), 0, 0, 0);
        assertEquals(20, odd.medianStepNanos(4, 7));
        assertEquals(20, odd.medianStepNanos(4, 6));
        TrainerResult even = new TrainerResult(List.of(), List.of(900L, 500L, 400L, 300L, 10L, 20L), List.of(), 0, 0, 0);
        assertEquals(15, even.medianStepNanos(4, 6));
        assertThrows(TeraioException.class, () -> even.medianStepNanos(4, 9));
        assertThrows(TeraioException.class, () -> even.medianStepNanos(6, 6));
    }

    @Test
    void aTrainerThatCrashedInNativeCodeIsNamedByItsSignalAndFrameAndOneDnnGetsItsWorkaround() throws Exception {
        Path log = dir.resolve("baseline.log");
        // the start of what the JVM wrote when oneDNN crashed in a ResNet-50's first step on this project's VMs
        Files.writeString(log, String.join("\n",
                "[W1208 00:41:43.041640930 NNPACK.cpp:57] Could not initialize NNPACK! Reason: Unsupported hardware.",
                "#",
                "# A fatal error has been detected by the Java Runtime Environment:",
                "#",
                "#  SIGFPE (0x8) at pc=0x00007f87f8030a92, pid=1259, tid=1261",
                "#",
                "# JRE version: OpenJDK Runtime Environment (17.0.15+6) (build 17.0.15+6-Debian-1deb12u1)",
                "# Problematic frame:",
                "# C  [libtorch_cpu.so+0x11630a92]  dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t"
                        + "::est_eff_1x1()+0xae2",
                "#",
                "# If you would like to submit a bug report, please visit:",
                "#", ""));
        String said = DjlTrainerProcess.failure(log);
        assertTrue(said.startsWith("the JVM crashed with SIGFPE in C  [libtorch_cpu.so+0x11630a92]  dnnl::impl::cpu::x64::"
                + "brgemm_convolution_bwd_utils"), said);
        assertTrue(said.contains("ONEDNN_MAX_CPU_ISA=AVX"), said);

        Files.writeString(log, "step 1 of 3: loss 2.5\n#\n#  SIGSEGV (0xb) at pc=0x0000, pid=1, tid=2\n#\n"
                + "# Problematic frame:\n# C  [libteraio_torch.so+0x1234]  evict+0x10\n#\n");
        said = DjlTrainerProcess.failure(log);
        assertEquals("the JVM crashed with SIGSEGV in C  [libteraio_torch.so+0x1234]  evict+0x10", said);

        Files.writeString(log, "#  SIGABRT (0x6) at pc=0x0000, pid=1, tid=2\n# Problematic frame:\n\n");
        assertEquals("the JVM crashed with SIGABRT", DjlTrainerProcess.failure(log), "a report cut after its frame's heading");

        Files.writeString(log, "step 1 of 3: loss 2.5\ndjl-trainer: resnet: training failed: out of memory\n\n");
        assertEquals("djl-trainer: resnet: training failed: out of memory", DjlTrainerProcess.failure(log));
    }
}
