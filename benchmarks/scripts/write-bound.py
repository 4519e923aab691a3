#!/usr/bin/env python3
"""The most of ideal any plan can reach in teraio's simulator, from offload timing alone.

Usage: benchmarks/scripts/write-bound.py TRACE.json[.gz] DEVICE_BYTES WRITE_BYTES_PER_SECOND

At an op k whose live bytes exceed the device by `over`, at least `over` bytes of offloadable
tensors live there and not needed there must have left the device before k starts. A tensor
can start leaving only after its last use before k (a tensor resident across the iteration
boundary: after its last use in the previous iteration; one resident from the start and not
used before k: from time 0). Everything leaving shares one write path (PCIe, or the SSDs'
summed write bandwidth when there is no host memory: give the smaller), so the earliest all
`over` bytes can be out is a one-server schedule of the earliest-released bytes; if that ends
after k's start, op k starts that much later at least (stalls before k only give the writes
more time, which the schedule already allows). The bound is the largest such delay over the
64 fullest ops; reads and latencies are left out, so the true optimum is lower still.
Unlike `teraio compare`'s transfer bound, it counts when the bytes can leave.

The trace format is docs/trace-format.md; the steady-state (last) iteration is used.
"""
import sys

import trace_live


def main(path, device_bytes, write_rate):
    it = trace_live.last_iteration(path)
    ops, tensors, alloc, free, uses, start, live = it.ops, it.tensors, it.alloc, it.free, it.uses, it.start, it.live
    n = len(ops)
    total = start[n]

    worst, worst_op = 0.0, None
    for k in sorted(range(n), key=lambda k: -live[k])[:64]:
        over = live[k] - device_bytes
        if over <= 0:
            continue
        released = []
        for t, used in uses.items():
            tensor = tensors[t]
            first, last_op = max(0, alloc.get(t, -1)), min(n - 1, free.get(t, n))
            if not tensor["offloadable"] or not first <= k <= last_op or k in used:
                continue
            before = [j for j in used if j < k]
            wraps = alloc.get(t, -1) == -1 and free.get(t, n) >= n
            if before:
                at = start[before[-1] + 1]
            elif wraps:
                at = start[used[-1] + 1] - total
            else:
                at = 0
            released.append((at, tensor["bytes"]))
        released.sort()
        need, chosen = over, []
        for at, size in released:
            if need <= 0:
                break
            chosen.append((at, min(size, need)))
            need -= size
        if need > 0:
            continue  # no plan fits this op at all; `teraio compare` says so
        finish, suffix = float("-inf"), 0
        for at, size in reversed(chosen):
            suffix += size
            finish = max(finish, at + suffix / write_rate * 1e9)
        if finish - start[k] > worst:
            worst, worst_op = finish - start[k], k
    if worst_op is None:
        print(f"{path}: ideal {total / 1e9:.3f} s; offloads can leave in time: at most 100.0% of ideal")
    else:
        print(f"{path}: ideal {total / 1e9:.3f} s; offloads before op {worst_op} need at least "
              f"{worst / 1e9:.3f} s more: at most {100 * total / (total + worst):.1f}% of ideal")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]))
