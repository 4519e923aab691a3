#!/usr/bin/env bash
# Produces the numbers of docs/io-results.md:
#  1. `teraio bench-io` against fio on the same file system, same size, block size and queue
#     depth, sequential O_DIRECT write and read, ROUNDS rounds alternating which goes first;
#     medians and the ratio teraio/fio.
#  2. `teraio probe` of the directory, a small synthetic GPT-2 trace planned for the probed
#     hardware, and `teraio replay` of the plan: measured iteration vs the simulator's.
# Installs fio (Debian package) when it is missing.
# Usage: benchmarks/scripts/io-results.sh [DIR]   (default target/io-bench; DIR must be on the
#        disk to measure). Env: SIZE (2g), BLOCK (4m), QD (8), ROUNDS (5), OUT (target/io-results).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mkdir -p "${1:-target/io-bench}" && cd "${1:-target/io-bench}" && pwd)
size=${SIZE:-2g} block=${BLOCK:-4m} qd=${QD:-8} rounds=${ROUNDS:-5}
out=${OUT:-target/io-results}
mkdir -p "$out"
teraio() { TERAIO_JAVA_OPTS="${TERAIO_JAVA_OPTS:--Xmx2g}" scripts/teraio "$@"; }

if ! command -v fio >/dev/null 2>&1; then
  echo "io-results: installing fio (apt-get install fio)" >&2
  (apt-get install -y -q fio >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q fio >/dev/null; })
fi
fio --version
teraio --version | head -1

fio_run() { # MODE -> bytes/s
  local mode=$1
  [ "$mode" = write ] && rm -f "$dir/fio.data"
  fio --name="seq$mode" --filename="$dir/fio.data" --size="$size" --bs="$block" --iodepth="$qd" \
      --ioengine=libaio --direct=1 --rw="$mode" --fallocate=native --output-format=json \
    | python3 -c "import json,sys; j=json.load(sys.stdin)['jobs'][0]; print(j['$mode']['bw_bytes'])"
}
teraio_run() { # -> "write_bytes_per_s read_bytes_per_s"
  teraio bench-io --dir "$dir" --size "$size" --block "$block" --qd "$qd" --mode both --json \
    | python3 -c "import json,sys; j=json.load(sys.stdin); print(j['writeBytesPerSecond'], j['readBytesPerSecond'])"
}

: > "$out/bench-io.tsv"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then
    fw=$(fio_run write); fr=$(fio_run read); read -r tw tr <<< "$(teraio_run)"
  else
    read -r tw tr <<< "$(teraio_run)"; fw=$(fio_run write); fr=$(fio_run read)
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$fw" "$tw" "$fr" "$tr" | tee -a "$out/bench-io.tsv"
done
rm -f "$dir/fio.data"

python3 - "$out/bench-io.tsv" "$size" "$block" "$qd" <<'PY'
import statistics, sys
rows = [list(map(int, l.split('\t'))) for l in open(sys.argv[1]) if l.strip()]
med = lambda i: statistics.median(r[i] for r in rows)
mib = lambda v: f"{v / 2**20:,.0f} MiB/s"
print(f"\nbench-io vs fio: {sys.argv[2]} file, {sys.argv[3]} blocks, queue depth {sys.argv[4]}, {len(rows)} rounds (medians)")
print("| mode | fio | teraio bench-io | teraio / fio |")
print("|---|---|---|---|")
for name, f, t in (("write", 1, 2), ("read", 3, 4)):
    print(f"| {name} | {mib(med(f))} | {mib(med(t))} | {med(t) / med(f):.3f} |")
PY

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
