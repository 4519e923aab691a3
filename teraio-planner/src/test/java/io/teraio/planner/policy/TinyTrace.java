package io.teraio.planner.policy;

import io.teraio.core.hardware.Device;
import io.teraio.core.hardware.HardwareProfile;
import io.teraio.core.hardware.Ssd;
import io.teraio.core.trace.Iteration;
import io.teraio.core.trace.Op;
import io.teraio.core.trace.Tensor;
import io.teraio.core.trace.TensorKind;
import io.teraio.core.trace.Trace;
import io.teraio.core.trace.TraceSource;
import io.teraio.planner.Workload;
import java.util.ArrayList;
import java.util.List;

/** A hand-written one-iteration trace for small policy tests. */
final class TinyTrace {
    static final long MS = 1_000_000;
    static final long MB = 1_000_000;

    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();

    /** A persistent tensor (resident from the start, across the iteration boundary); returns its id. */
    int persistent(String key, long bytes, TensorKind kind) {
        tensors.add(new Tensor(tensors.size(), key, bytes, kind, true, true, 0));
        return tensors.size() - 1;
    }

    /** A tensor allocated and freed by ops; returns its id. */
    int allocated(String key, long bytes, TensorKind kind) {
        tensors.add(new Tensor(tensors.size(), key, bytes, kind, false, true, 0));
        return tensors.size() - 1;
    }

    /** A tensor whose memory is not released when moved. */
    int pinned(String key, long bytes) {
        tensors.add(new Tensor(tensors.size(), key, bytes, TensorKind.OTHER, true, false, 0));
        return tensors.size() - 1;
    }

    TinyTrace op(String name, long durationNs, int[] uses, int[] allocs, int[] frees) {
        ops.add(new Op(ops.size(), name, durationNs, uses, allocs, frees));
        return this;
    }

    static int[] ids(int... ids) {
        return ids;
    }

    Workload workload() {
        return Workload.of(new Trace(TraceSource.UNKNOWN, List.of(new Iteration(0, 0, ops.size())), tensors, ops));
    }

    /** {@code ssds} SSDs of {@code ssdBytesPerSecond} both ways without latency, PCIe 10 GB/s. */
    static HardwareProfile hardware(long capacityBytes, int ssds, long ssdBytesPerSecond, long hostBytes) {
        List<Ssd> list = new ArrayList<>();
        for (int i = 0; i < ssds; i++) {
            list.add(new Ssd(i, null, ssdBytesPerSecond, ssdBytesPerSecond, 0, -1));
        }
        return new HardwareProfile(List.of(new Device(0, capacityBytes, 10_000_000_000L)), list, hostBytes);
    }
}
