#!/usr/bin/env bash
# The real-trace table of docs/planner-results.md: the PyTorch execution traces of
# ../shared/traces-data/param, imported with and without their Kineto trace where one
# exists, planned by every policy (`teraio compare`) with the device at 50% and 75% of the
# trace's peak live bytes, one 3.2 GB/s SSD, 15.754 GB/s PCIe and 8 GB of host memory.
# Usage: benchmarks/scripts/planner-results-param.sh [OUT_DIR]   (default target/planner-results-param)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/planner-results-param}
traces=${TERAIO_TRACES_DIR:-../shared/traces-data}/param
mkdir -p "$out"
teraio() { TERAIO_JAVA_OPTS="${TERAIO_JAVA_OPTS:--Xmx6g}" scripts/teraio "$@"; }

# name  execution trace  Kineto trace (or -)
workloads=(
  "resnet18-et resnet18_bs128_et.json.gz -"
  "resnet18-et-kineto resnet18_bs128_et.json.gz resnet18_bs128_kineto.json.gz"
  "linear-et linear_et.json.gz -"
  "linear-et-kineto linear_et.json.gz linear_kineto.json.gz"
  "gpt2-et hf_GPT2_et.json.tar.gz -"
)
for w in "${workloads[@]}"; do
  read -r name et kineto <<<"$w"
  args=(--from pytorch-et "$traces/$et")
  [ "$kineto" != - ] && args+=(--kineto "$traces/$kineto")
  teraio import -q "${args[@]}" -o "$out/$name.json.gz" > /dev/null
  peak=$(teraio analyze -q --json "$out/$name.json.gz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["peakLiveBytes"])')
  for pct in 50 75; do
    mem=$((peak * pct / 100))
    echo "== $name-$pct: teraio compare $out/$name.json.gz --gpu-mem ${mem}b --ssd 3.2GB/s --pcie 15.754GB/s --host-mem 8GB" \
      | sed "s#$out/##"
    rm -f "$out/$name-$pct.json" "$out/$name-$pct.err"
    if ! teraio compare -q "$out/$name.json.gz" --gpu-mem "${mem}b" --ssd 3.2GB/s --pcie 15.754GB/s \
      --host-mem 8GB --json > "$out/$name-$pct.json" 2> "$out/$name-$pct.err"; then
      rm "$out/$name-$pct.json"   # no plan can run (an op needs more than the device): the .err says why
      head -1 "$out/$name-$pct.err"
    fi
  done
done

python3 - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
policies = ["none", "zero-infinity", "flashneuron", "teraio-paper", "teraio"]
print("| workload | device | ideal | bound | " + " | ".join(policies) + " | teraio / bound | teraio plan |")
print("|---|---|---|---|" + "---|" * len(policies) + "---|---|")
for f in sorted(list(out.glob("*-50.err")) + list(out.glob("*-75.err"))):
    if not f.with_suffix(".json").exists():
        print(f'| {f.stem[:-3]} | {f.stem[-2:]}% of peak | | | no plan can run: {f.read_text().strip()} |' + " |" * (len(policies) + 1))
        continue
    rows = {r["policy"]: r for r in json.loads(f.with_suffix(".json").read_text())}
    t = rows["teraio"]
    pct = lambda r: "OOM" if r["percentOfIdeal"] is None else f'{r["percentOfIdeal"]:.1f}%'
    bound = t["boundPercentOfIdeal"]
    ratio = "-" if t["percentOfIdeal"] is None else f'{100 * t["percentOfIdeal"] / bound:.0f}%'
    print(f'| {f.stem[:-3]} | {f.stem[-2:]}% of peak | {t["idealNs"] / 1e6:.2f} ms | {bound:.1f}% | '
          + " | ".join(pct(rows[p]) if p in rows else "-" for p in policies) + f' | {ratio} | {t["planMillis"]} ms |')
PY
