#!/usr/bin/env bash
# Produces the numbers of docs/planner-results.md: `teraio compare` on the G10 workloads
# (imported from ../shared/traces-data/g10, G10's hardware, and the same with no host memory,
# G10-GDS's setting) and on Llama 3 synth traces (TERAIO's hardware), every policy side by
# side in one run per workload.
# Usage: benchmarks/scripts/planner-results.sh [OUT_DIR]   (default target/planner-results)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/planner-results}
traces=${TERAIO_TRACES_DIR:-../shared/traces-data}
mkdir -p "$out"
teraio() { TERAIO_JAVA_OPTS="${TERAIO_JAVA_OPTS:--Xmx6g}" scripts/teraio "$@"; }

compare() { # NAME TRACE HARDWARE-FLAGS...
  local name=$1 trace=$2; shift 2
  echo "== $name: teraio compare $trace $*" | sed "s#$out/##"
  teraio compare "$trace" "$@" --json > "$out/$name.json"
}

for model in BERT_Base_bs256 VIT_bs1280 Inceptionv3_bs1536 ResNet152_bs1280 SENet154_bs1024; do
  teraio import --from g10 "$traces/g10/$model.kernels.config.gz" "$traces/g10/$model.interval.config.gz" \
    -o "$out/$model.json.gz" > /dev/null
  compare "g10-$model" "$out/$model.json.gz" --hardware g10
  compare "g10-host0-$model" "$out/$model.json.gz" --hardware g10 --host-mem 0
done

# Llama 3 on TERAIO's hardware (94 GB H100 NVL, 4 SSDs, PCIe Gen5), at two compute rates:
# the H100's peak (989 TFLOP/s) and 400 TFLOP/s, about the 40% model FLOPs utilization
# real training reaches.
for tflops in 989 400; do
  for batch in 4 8 16; do
    teraio synth --preset llama3-8b --batch "$batch" --kernels 50000 --tflops "$tflops" \
      -o "$out/llama3-8b-b$batch-$tflops.json.gz" > /dev/null
    compare "llama3-8b-b$batch-${tflops}tf" "$out/llama3-8b-b$batch-$tflops.json.gz" --hardware teraio-paper
  done
  teraio synth --preset llama3-70b --batch 1 --kernels 250000 --tflops "$tflops" \
    -o "$out/llama3-70b-b1-$tflops.json.gz" > /dev/null
  compare "llama3-70b-b1-${tflops}tf" "$out/llama3-70b-b1-$tflops.json.gz" --hardware teraio-paper
done

# One markdown table of all runs (python3 only formats what the runs wrote).
python3 - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
print("| workload | policy | iteration | % of ideal | bound % | stall | peak device | to SSD | to host | plan ms |")
print("|---|---|---|---|---|---|---|---|---|---|")
gib = lambda b: "-" if b is None else f"{b / 2**30:.1f} GiB"
sec = lambda ns: "-" if ns is None else f"{ns / 1e9:.3f} s"
for f in sorted(out.glob("*.json")):
    for r in json.loads(f.read_text()):
        pct = "does not run" if r["percentOfIdeal"] is None else f'{r["percentOfIdeal"]:.1f}'
        print(f'| {f.stem} | {r["policy"]} | {sec(r["iterationNs"])} | {pct} | {r["boundPercentOfIdeal"]:.1f} | {sec(r["stallNs"])} | '
              f'{gib(r["peakDeviceBytes"])} | {gib(r["bytesToSsd"])} | {gib(r.get("bytesToHost"))} | {r["planMillis"]} |')
PY
