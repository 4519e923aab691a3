#!/usr/bin/env bash
# Produces the numbers of docs/agent-results.md:
#  1. the agent's overhead per DJL training step (io.teraio.benchmarks.AgentOverhead) for each
#     workload of WORKLOADS: the DJL trainer without the agent, with it in profile mode, and in
#     offload mode with an empty plan, ROUNDS rounds rotating the order; paired ratios of each
#     run's 10th percentile and median step, median over the rounds with min and max;
#  2. `teraio demo` for the MLP and the ResNet-50, DEMO_ROUNDS rounds: the peak resident bytes the OS
#     counts in each child JVM, the saving against the plan's prediction, the step-time ratio.
# Usage: benchmarks/scripts/agent-results.sh [DIR]   (DIR: the offload directory, default under OUT).
# Env: WORKLOADS (space-separated MODEL:BATCH:STEPS:WARMUP:ROUNDS, batch 0 = the trainer's default;
#      default "resnet:1:400:200:15 resnet:32:120:60:15 mlp:32:160:100:5"), DEMO_STEPS (16), DEMO_ROUNDS (3),
#      DEMO_MODELS ("mlp resnet"), OUT (target/agent-results). Set DEMO_STEPS=0 to skip the demos.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-target/agent-results}
dir=${1:-$out/offload}
mkdir -p "$out" "$dir"

./mvnw -B -q -DskipTests -pl benchmarks,teraio-cli,teraio-agent,examples/djl-trainer -am package

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
# teraio demo, DEMO_ROUNDS rounds (default 3), the MLP and the ResNet alternating; memory as the OS
# counts it in each child JVM (VmHWM from the step the plan applies), one table per model, medians last.
rounds=${DEMO_ROUNDS:-3}
for round in $(seq 1 "$rounds"); do
  for model in ${DEMO_MODELS:-mlp resnet}; do
    uptime
    scripts/teraio demo --model "$model" --steps "${DEMO_STEPS:-16}" --out "$out/demo-$model-$round" --dir "$dir" \
      --json > "$out/demo-$model-$round.json"
  done
done
for model in ${DEMO_MODELS:-mlp resnet}; do
  python3 - $(for round in $(seq 1 "$rounds"); do echo "$out/demo-$model-$round.json"; done) <<'PY'
import json, sys, statistics
rows = []
for f in sys.argv[1:]:
    d = json.load(open(f))
    rows.append(d)
mib = lambda v: f"{v / 2**20:.1f}"
print("| demo | round | peak RSS without (MiB) | peak RSS with (MiB) | OS saved (MiB) | predicted saved (MiB) | OS / predicted | ledger saved (MiB) | losses identical | step ratio |")
print("|---|---|---|---|---|---|---|---|---|---|")
for i, d in enumerate(rows):
    share = d["osSavedBytes"] / d["predictedSavedBytes"] if d["predictedSavedBytes"] else float("nan")
    print(f"| {d['workload']} | {i + 1} | {mib(d['baseline']['peakRssBytes'])} | {mib(d['offload']['peakRssBytes'])} | "
          f"{mib(d['osSavedBytes'])} | {mib(d['predictedSavedBytes'])} | {share:.3f} | {mib(d['savedBytes'])} | "
          f"{d['lossesIdentical']} | {d['stepRatio']:.2f} |")
shares = [d["osSavedBytes"] / d["predictedSavedBytes"] for d in rows]
ratios = [d["stepRatio"] for d in rows]
print(f"| {rows[0]['workload']} | median | | | | | {statistics.median(shares):.3f} | | {all(d['lossesIdentical'] for d in rows)} | {statistics.median(ratios):.2f} |")
PY
  echo
done
