#!/usr/bin/env python3
"""The most of ideal any plan can reach on a micro-batched trace, from read volume per micro-batch.

Usage: benchmarks/scripts/micro-batch-bound.py TRACE.json[.gz] DEVICE_BYTES READ_BYTES_PER_SECOND [HOST_BYTES SSD_READ_BYTES_PER_SECOND]

`teraio compare`'s transfer bound looks at the fullest op of the iteration, so a step of k
micro-batches, each as full as the others, is counted as if one micro-batch's bytes over
capacity had to move. Each micro-batch needs them again. A micro-batch is the run of ops from
one start of the iteration's first op (`load_batch`, or `recv_activations` on a later pipeline
stage) to the next, the last one ending at the first `adamw`. At the fullest op p of
micro-batch j, `over` = live bytes - device bytes must be off the device. Of the offloadable
tensors live at p and not used by p, those whose next use is outside micro-batch j (Adam's
state, used only by AdamW; tensors next used by a later micro-batch) can stay off through it;
the rest, at least R = over minus those, are off at p and used again before micro-batch j
ends, so R bytes must be read back to the device between the start of p and the end of the
micro-batch. Every read crosses the device's PCIe link (from host memory or, by GPUDirect,
from an SSD) at READ_BYTES_PER_SECOND at most; host memory holds HOST_BYTES at most, so at
least R - HOST_BYTES of them come from the SSDs, at SSD_READ_BYTES_PER_SECOND (all SSDs
together) at most. That stretch takes at least max(its compute, R / rate, (R - host) / SSD rate). Summed over the micro-batches, with the compute before each p and
after the last micro-batch, it gives the least iteration; the bound is ideal over that.
Writes and latencies are left out, so the true optimum is lower still.

The trace format is docs/trace-format.md; the steady-state (last) iteration is used.
"""
import sys

import trace_live


def main(path, device_bytes, read_rate, host_bytes=None, ssd_rate=None):
    it = trace_live.last_iteration(path)
    ops, tensors, alloc, free, uses, start, live = it.ops, it.tensors, it.alloc, it.free, it.uses, it.start, it.live
    n = len(ops)

    first = ops[0]["name"]
    starts = [k for k in range(n) if ops[k]["name"] == first and (k == 0 or ops[k - 1]["name"] != first)]
    tail = next((k for k in range(n) if ops[k]["name"] == "adamw"), n)
    ends = starts[1:] + [tail]
    least, rows = start[n] - start[tail], []
    for j, (s, e) in enumerate(zip(starts, ends)):
        p = max(range(s, e), key=lambda k: live[k])
        over = live[p] - device_bytes
        stay_off = 0
        for t, used in uses.items():
            tensor = tensors[t]
            if not tensor["offloadable"] or not max(0, alloc.get(t, -1)) <= p <= min(n - 1, free.get(t, n)) \
                    or p in used:
                continue
            after = [k for k in used if k > p]
            if not after or after[0] >= e:
                stay_off += tensor["bytes"]
        reread = max(0, over - stay_off)
        window = max(start[e] - start[p], reread / read_rate * 1e9)
        if host_bytes is not None:
            window = max(window, max(0, reread - host_bytes) / ssd_rate * 1e9)
        least += start[p] - start[s] + window
        rows.append((j, p, over, stay_off, reread, start[e] - start[p], window))
    ideal = start[n]
    gib = 2 ** 30
    for j, p, over, stay_off, reread, compute, window in rows:
        print(f"micro-batch {j}: fullest op {p}, {over / gib:.2f} GiB over, {stay_off / gib:.2f} GiB can stay off,"
              f" {reread / gib:.2f} GiB to read back in {compute / 1e6:.1f} ms of compute: {window / 1e6:.1f} ms")
    print(f"ideal {ideal / 1e9:.3f} s, least {least / 1e9:.3f} s: at most {100 * ideal / least:.1f}% of ideal")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 6):
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1], int(float(sys.argv[2])), float(sys.argv[3]),
         *((int(float(sys.argv[4])), float(sys.argv[5])) if len(sys.argv) == 6 else ()))
