package io.teraio.profiler.importer;

import java.util.List;

/**
 * What an import kept and dropped, and the assumptions it applied, for the user to read.
 *
 * @param opsRead         ops (nodes, events, kernels) found in the input
 * @param opsKept         ops in the trace
 * @param tensorsRead     tensors (storages, allocations) found in the input
 * @param tensorsKept     tensors in the trace
 * @param bytesKept       the bytes of the tensors in the trace
 * @param bytesDropped    the bytes of the tensors left out (CPU-only, never used, ...)
 * @param dropped         why things were left out, one line each ("1,204 CPU-only storages, 3.2 MiB")
 * @param assumptions     the approximations applied, one line each
 */
public record ImportReport(long opsRead, long opsKept, long tensorsRead, long tensorsKept, long bytesKept,
                           long bytesDropped, List<String> dropped, List<String> assumptions) {
    public ImportReport {
        dropped = List.copyOf(dropped);
        assumptions = List.copyOf(assumptions);
    }
}
