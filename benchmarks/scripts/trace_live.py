"""The last iteration of a teraio trace and its live bytes, for the bound scripts beside this one.

The trace format is docs/trace-format.md. A tensor counts from the op that allocates it (op 0
if it comes from before the iteration) to the op that frees it (the last op if it outlives
the iteration), and only if an op of the iteration uses or allocates it.
"""
import gzip
import json
from dataclasses import dataclass


@dataclass
class Iteration:
    ops: list        # the iteration's ops, as in the trace
    tensors: dict    # id -> tensor
    alloc: dict      # tensor id -> index of the op allocating it (absent: from before the iteration)
    free: dict       # tensor id -> index of the op freeing it (absent: outlives the iteration)
    uses: dict       # tensor id -> indexes of the ops using or allocating it, in order
    start: list      # start[k]: ns from the iteration's start to op k's; start[len(ops)] is its length
    live: list       # live[k]: bytes live at op k


def last_iteration(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        trace = json.load(f)
    last = trace["iterations"][-1]
    ops = trace["ops"][last["firstOp"]:last["firstOp"] + last["opCount"]]
    n = len(ops)
    tensors = {t["id"]: t for t in trace["tensors"]}
    alloc, free, uses = {}, {}, {}
    for k, op in enumerate(ops):
        for t in op["allocs"]:
            alloc[t] = k
        for t in op["frees"]:
            free[t] = k
        for t in set(op["uses"]) | set(op["allocs"]):
            uses.setdefault(t, []).append(k)
    start = [0] * (n + 1)
    for k, op in enumerate(ops):
        start[k + 1] = start[k] + op["durationNs"]
    delta = [0] * (n + 2)
    for t in uses:
        delta[max(0, alloc.get(t, -1))] += tensors[t]["bytes"]
        delta[min(n - 1, free.get(t, n)) + 1] -= tensors[t]["bytes"]
    live, running = [], 0
    for k in range(n):
        running += delta[k]
        live.append(running)
    return Iteration(ops, tensors, alloc, free, uses, start, live)
