#!/usr/bin/env bash
# Produces the numbers of docs/agent-results.md:
#  1. the agent's overhead per DJL training step (io.teraio.benchmarks.AgentOverhead) for each
#     workload of WORKLOADS: the DJL trainer without the agent, with it in profile mode, and in
#     offload mode with an empty plan, ROUNDS rounds rotating the order; paired ratios of each
#     run's 10th percentile and median step, median over the rounds with min and max;
#  2. `teraio demo` for the MLP and the ResNet: resident bytes saved against the plan's prediction.
# Usage: benchmarks/scripts/agent-results.sh [DIR]   (DIR: the offload directory, default under OUT).
# Env: WORKLOADS (space-separated MODEL:BATCH:STEPS:WARMUP:ROUNDS, batch 0 = the trainer's default;
#      default "resnet:1:400:200:15 resnet:32:120:60:15 mlp:32:160:100:5"), DEMO_STEPS (16),
#      OUT (target/agent-results). Set DEMO_STEPS=0 to skip the demos.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-target/agent-results}
dir=${1:-$out/offload}
mkdir -p "$out" "$dir"

mvn -B -q -DskipTests -pl benchmarks,teraio-cli,teraio-agent,examples/djl-trainer -am package

for workload in ${WORKLOADS:-resnet:1:400:200:15 resnet:32:120:60:15 mlp:32:160:100:5}; do
  IFS=: read -r model batch steps warmup rounds <<< "$workload"
  name="$model-b$batch"
  echo "## $name"
  uptime
  java -Dteraio.home="$PWD" -cp benchmarks/target/benchmarks.jar io.teraio.benchmarks.AgentOverhead \
    --model "$model" --batch "$batch" --steps "$steps" --warmup "$warmup" --rounds "$rounds" \
    --out "$out/overhead-$name" --dir "$dir" | tee "$out/overhead-$name.md"
  uptime
  echo
done

[ "${DEMO_STEPS:-16}" -gt 0 ] || exit 0
echo "| demo | budget | peak without | peak with | saved | predicted saved | off by | losses identical | step ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for model in mlp resnet; do
  scripts/teraio demo --model "$model" --steps "${DEMO_STEPS:-16}" --out "$out/demo-$model" --dir "$dir" --json \
    > "$out/demo-$model.json"
  python3 - "$out/demo-$model.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
mib = lambda v: f"{v / 2**20:.1f} MiB"
err = (d["savedBytes"] - d["predictedSavedBytes"]) / d["predictedSavedBytes"] if d["predictedSavedBytes"] else float("nan")
print(f"| {d['workload']} | {mib(d['budgetBytes'])} | {mib(d['baseline']['peakResidentBytes'])} | "
      f"{mib(d['offload']['peakResidentBytes'])} | {mib(d['savedBytes'])} | {mib(d['predictedSavedBytes'])} | "
      f"{100 * err:+.1f}% | {d['lossesIdentical']} | {d['stepRatio']:.2f} |")
PY
done
