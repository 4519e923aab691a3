#!/usr/bin/env bash
# replay against the simulator on the README's flow (probe -> plan --hardware -> replay), for
# docs/io-results.md: a GPT-2-like synthetic trace (or TRACE) planned at 1/2 and 2/3 of its peak
# live bytes, with the host tier allowed (plan's defaults) and with --host-mem 0, each plan
# replayed for real. ROUNDS rounds (default 5); each round probes DIR afresh (the calibration),
# plans the four cases for that hardware.json and replays them, odd rounds in the order of the
# table, even rounds reversed. Rows: target/io-results/replay-vs-sim.tsv; summary (medians) on stdout.
# Usage: benchmarks/scripts/replay-vs-sim.sh DIR [TRACE]   Env: ROUNDS (5), OUT (target/io-results).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mkdir -p "${1:?usage: replay-vs-sim.sh DIR [TRACE]}" && cd "$1" && pwd)
out=${OUT:-target/io-results}
rounds=${ROUNDS:-5}
mkdir -p "$out"
teraio() { TERAIO_JAVA_OPTS="${TERAIO_JAVA_OPTS:--Xmx2g}" scripts/teraio "$@"; }
trace=${2:-}
if [ -z "$trace" ]; then
  trace="$out/gpt2-small.json.gz"
  teraio synth --preset gpt2-large --layers 6 --seq 512 --batch 2 --tflops 2 --mem-bw 20g -o "$trace" > /dev/null
fi
peak=$(teraio analyze "$trace" --json | jq .peakLiveBytes)
half=$((peak / 2))
twothirds=$((peak * 2 / 3))
cases=("half host" "half nohost" "twothirds host" "twothirds nohost")
tsv="$out/replay-vs-sim.tsv"
printf 'round\tcase\tdeviceBytes\tentries\tmeasuredNs\tpredictedNs\terrorPercent\tcrcMismatches\tcorrupt\tlane\tmeasuredBusyNs\tpredictedBusyNs\tmeasuredBytes\tpredictedBytes\tload1\n' > "$tsv"
for round in $(seq 1 "$rounds"); do
  teraio probe --dir "$dir" --size 1g -o "$out/hardware-$round.json" | grep -E "ssd 0|host tier|migration" || true
  order=("${cases[@]}")
  if [ $((round % 2)) -eq 0 ]; then
    order=("${cases[3]}" "${cases[2]}" "${cases[1]}" "${cases[0]}")
  fi
  for c in "${order[@]}"; do
    read -r size tier <<< "$c"
    mem=$([ "$size" = half ] && echo "$half" || echo "$twothirds")
    extra=()
    [ "$tier" = nohost ] && extra=(--host-mem 0)
    plan="$out/plan-$round-$size-$tier.json"
    teraio plan "$trace" --hardware "$out/hardware-$round.json" --gpu-mem "${mem}b" "${extra[@]}" -o "$plan" > /dev/null
    load=$(cut -d' ' -f1 /proc/loadavg)
    teraio replay "$trace" "$plan" --dir "$dir" --device-mem "${mem}b" --hardware "$out/hardware-$round.json" \
      --json 2> /dev/null > "$out/replay.json" || true
    entries=$(jq '.entries | length' "$plan")
    jq -r --arg r "$round" --arg c "$size-$tier" --arg e "$entries" --arg l "$load" '
      . as $o | (if (.lanes | length) == 0 then [{lane: "-", measured: {busyNs: 0, bytesWritten: 0, bytesRead: 0},
                 predicted: {busyNs: 0, bytesWritten: 0, bytesRead: 0}}] else .lanes end)[] |
      [$r, $c, $o.deviceMemoryBytes, $e, $o.measuredIterationNs, $o.predictedIterationNs, $o.errorPercent,
       $o.engine.crcMismatches, $o.corruptTensors, .lane, .measured.busyNs, .predicted.busyNs,
       (.measured.bytesWritten + .measured.bytesRead), (.predicted.bytesWritten + .predicted.bytesRead), $l] | @tsv' \
      "$out/replay.json" | tee -a "$tsv"
  done
done
echo
echo "medians over $rounds rounds (replay vs the simulator; per lane, busy time measured vs predicted):"
python3 - "$tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
for case in ["half-host", "half-nohost", "twothirds-host", "twothirds-nohost"]:
    rs = [r for r in rows if r["case"] == case]
    if not rs:
        continue
    it = {}
    for r in rs:
        it[r["round"]] = r
    errs = [float(r["errorPercent"]) for r in it.values()]
    meas = [int(r["measuredNs"]) / 1e9 for r in it.values()]
    pred = [int(r["predictedNs"]) / 1e9 for r in it.values()]
    crc = sum(int(r["crcMismatches"]) + int(r["corrupt"]) for r in it.values())
    lanes = {}
    for r in rs:
        if r["lane"] != "-" and int(r["predictedBusyNs"]) > 0:
            lanes.setdefault(r["lane"], []).append(100.0 * (int(r["measuredBusyNs"]) - int(r["predictedBusyNs"]))
                                                   / int(r["predictedBusyNs"]))
    lane_text = ", ".join("%s busy %+.1f%% (%s)" % (l, statistics.median(v), " ".join("%+.0f" % x for x in v))
                          for l, v in lanes.items())
    print("%-17s measured %.2f s, predicted %.2f s, error %+.1f%% (rounds: %s); %d CRC mismatches or corrupt; %s"
          % (case, statistics.median(meas), statistics.median(pred), statistics.median(errs),
             " ".join("%+.1f" % e for e in errs), crc, lane_text))
PY
