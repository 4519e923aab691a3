package io.teraio.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.teraio.core.storage.DeviceBuffer;
import io.teraio.core.storage.HostDeviceMemory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.nvptxcompiler.JNvPTXCompiler;
import jcuda.nvptxcompiler.nvPTXCompileResult;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed PTX without a GPU: it was generated from the current {@code mlp_kernels.cu},
 * it has an entry for every kernel {@link LaunchedKernels} launches, with the parameter types
 * of the arguments the launches pass, and NVIDIA's PTX compiler (JCuda's nvPTXCompiler, linked
 * into its natives: no driver or GPU needed) compiles it for sm_80 and sm_90, the GPUs it is
 * for (A100; H100 and H200), which catches what the driver's JIT would reject.
 */
class KernelPtxTest {
    private static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param \\.(\\w+) ");

    private static String ptx() {
        byte[] z = CudaKernels.ptx();
        return new String(z, 0, z.length - 1, StandardCharsets.US_ASCII);
    }

    /** Each entry's parameter types, in order: {@code u64} (a pointer), {@code u32}, {@code f32}. */
    private static Map<String, List<String>> entries() {
        Map<String, List<String>> entries = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx());
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) {
                types.add(p.group(1));
            }
            entries.put(m.group(1), types);
        }
        return entries;
    }

    @Test
    void thePtxWasGeneratedFromTheCurrentSource() throws Exception {
        byte[] source = Files.readAllBytes(Path.of("src/main/cuda/mlp_kernels.cu"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source));
        assertTrue(ptx().contains("// source sha256 " + sha + "\n"),
                "mlp_kernels.ptx is not generated from the current mlp_kernels.cu (sha256 " + sha
                        + "): run src/main/cuda/gen-ptx.sh and commit the PTX");
    }

    @Test
    void everyLaunchMatchesAnEntryOfThePtx() {
        List<LaunchedKernels.Launch> launches = new ArrayList<>();
        LaunchedKernels recorder = new LaunchedKernels() {
            @Override
            protected void launch(Launch launch) {
                launches.add(launch);
            }

            @Override
            public void close() {
            }
        };
        try (HostDeviceMemory memory = new HostDeviceMemory(1 << 20)) {
            DeviceBuffer b = memory.tryAllocate(64 << 10);
            recorder.linear(b, b, b, 4, 3, 2, true);
            recorder.reluBackward(b, b, 8);
            recorder.linearGrad(b, b, b, 4, 3, 2);
            recorder.inputGrad(b, b, b, 4, 3, 2);
            recorder.sgd(b, b, 0.1f, 8);
            recorder.mse(b, b, b, b, 4, 2);
        }
        Map<String, List<String>> entries = entries();
        assertEquals(LaunchedKernels.KERNELS, List.copyOf(entries.keySet()), "the PTX's entries");
        assertEquals(LaunchedKernels.KERNELS, launches.stream().map(LaunchedKernels.Launch::kernel).toList());
        for (LaunchedKernels.Launch launch : launches) {
            List<String> types = launch.args().stream().map(a -> a instanceof LaunchedKernels.BufferArg ? "u64"
                    : a instanceof Integer ? "u32" : "f32").toList();
            assertEquals(entries.get(launch.kernel()), types, launch.kernel() + ": the PTX's parameters vs the launch's");
        }
    }

    @Test
    void everyFloatOperationRoundsOnItsOwnAsJavaDoes() {
        Matcher m = Pattern.compile("\\b(add|sub|mul|fma|mad)((\\.\\w+)*)\\.f(32|64)\\b").matcher(ptx());
        int operations = 0;
        while (m.find()) {
            operations++;
            assertTrue(m.group(2).equals(".rn") && !m.group(1).equals("fma") && !m.group(1).equals("mad"),
                    m.group() + ": not one rounding per operation (gen-ptx.sh compiles with -ffp-contract=off)");
        }
        assertTrue(operations > 0, "float operations in the PTX");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sm_80", "sm_90"})
    void nvPtxCompilerCompilesThePtx(String arch) {
        byte[] ptx = CudaKernels.ptx();
        nvPTXCompilerHandle h = new nvPTXCompilerHandle();
        assertEquals(nvPTXCompileResult.NVPTXCOMPILE_SUCCESS, JNvPTXCompiler.nvPTXCompilerCreate(h, ptx.length, ptx));
        try {
            int code = JNvPTXCompiler.nvPTXCompilerCompile(h, 2, new String[] {"--gpu-name=" + arch, "--verbose"});
            assertEquals(nvPTXCompileResult.NVPTXCOMPILE_SUCCESS, code, () -> "nvPTXCompilerCompile for " + arch
                    + " failed with " + nvPTXCompileResult.stringFor(code) + ": " + log(h, true));
            long[] size = new long[1];
            JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize(h, size);
            byte[] cubin = new byte[(int) size[0]];
            JNvPTXCompiler.nvPTXCompilerGetCompiledProgram(h, cubin);
            assertTrue(cubin.length > 4 && Arrays.equals(Arrays.copyOf(cubin, 4), new byte[] {0x7f, 'E', 'L', 'F'}),
                    "a cubin is an ELF file: " + cubin.length + " bytes");
            String text = new String(cubin, StandardCharsets.ISO_8859_1);
            for (String kernel : LaunchedKernels.KERNELS) {
                assertTrue(text.contains(kernel), kernel + " in the " + arch + " cubin");
            }
            System.out.printf("%s: %d-byte cubin%n%s%n", arch, cubin.length, log(h, false));
        } finally {
            JNvPTXCompiler.nvPTXCompilerDestroy(h);
        }
    }

    private static String log(nvPTXCompilerHandle h, boolean error) {
        long[] size = new long[1];
        if (error) {
            JNvPTXCompiler.nvPTXCompilerGetErrorLogSize(h, size);
        } else {
            JNvPTXCompiler.nvPTXCompilerGetInfoLogSize(h, size);
        }
        byte[] log = new byte[(int) size[0]];
        if (error) {
            JNvPTXCompiler.nvPTXCompilerGetErrorLog(h, log);
        } else {
            JNvPTXCompiler.nvPTXCompilerGetInfoLog(h, log);
        }
        return new String(log, StandardCharsets.UTF_8).replace("\0", "").trim();
    }
}
