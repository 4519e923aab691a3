#!/usr/bin/env bash
# Produces the numbers of docs/io-results.md:
#  1. `teraio bench-io` against fio's psync, libaio and io_uring engines at queue depths 1, 8
#     and 32, and striping over two directories against one: benchmarks/scripts/io-vs-fio.sh.
#  2. `teraio probe` of the directory, a small synthetic GPT-2 trace planned for the probed
#     hardware, and `teraio replay` of the plan: measured iteration vs the simulator's.
# Usage: benchmarks/scripts/io-results.sh [DIR]   (default target/io-bench; DIR must be on the
#        disk to measure). Env: SIZE (1g) and ROUNDS (5) for part 1, OUT (target/io-results).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mkdir -p "${1:-target/io-bench}" && cd "${1:-target/io-bench}" && pwd)
out=${OUT:-target/io-results}
mkdir -p "$out"
teraio() { TERAIO_JAVA_OPTS="${TERAIO_JAVA_OPTS:--Xmx2g}" scripts/teraio "$@"; }

# 1. bench-io against fio.
OUT="$out" benchmarks/scripts/io-vs-fio.sh "$dir"

# 2. probe, plan, replay.
echo
teraio probe --dir "$dir" --size 1g -o "$out/hardware.json"
teraio synth --preset gpt2-large --layers 6 --seq 512 --batch 2 --tflops 2 --mem-bw 20g \
  -o "$out/gpt2-small.json.gz" > /dev/null
for mem in 1.5g 2g 2.5g 3g; do
  teraio plan "$out/gpt2-small.json.gz" --hardware "$out/hardware.json" --gpu-mem "$mem" --host-mem 0 \
    -o "$out/plan-$mem.json" | grep -E "^plan|predicted"
  teraio replay "$out/gpt2-small.json.gz" "$out/plan-$mem.json" --dir "$dir" --device-mem "$mem" \
    --hardware "$out/hardware.json" | tee "$out/replay-$mem.txt"
done
