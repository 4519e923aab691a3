#!/usr/bin/env bash
# `teraio bench-io` against fio on the same file system: the tables of docs/io-results.md.
#
# Jobs (all sequential, O_DIRECT, SIZE bytes, written to a fresh file then read back):
#   qd 1, 1 MiB blocks:  fio psync, libaio, io_uring; bench-io --qd 1 (one worker thread)
#   qd 8 and qd 32, 4 MiB blocks: fio libaio, io_uring; bench-io --qd 8 / --qd 32
#   laid out, qd 1, 1 MiB: fio psync writing over a file it wrote just before; bench-io --prewrite
#   striping, qd 8 in all, 4 MiB: bench-io over one directory at --qd 8, and over two
#     directories on the same disk at --qd 4 each (same total size and requests in flight)
# fio's files are preallocated as bench-io's are (--fallocate=native, fio's default on Linux: the
# first write fills unwritten extents); neither fsyncs or opens with O_DSYNC.
# ROUNDS rounds; odd rounds run the jobs in the order above, even rounds in reverse, so that a
# slow spell of the (virtual) disk or of the machine's load falls on both sides. Every row is
# appended to OUT/io-vs-fio.tsv (round, job, write bytes/s, read bytes/s, 1-minute load) and the
# summary (medians, ratios) is printed as Markdown.
# Usage: benchmarks/scripts/io-vs-fio.sh [DIR]   (default target/io-bench; DIR must be on the
#        disk to measure). Env: SIZE (1g), ROUNDS (5), OUT (target/io-results).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mkdir -p "${1:-target/io-bench}" && cd "${1:-target/io-bench}" && pwd)
size=${SIZE:-1g} rounds=${ROUNDS:-5}
out=${OUT:-target/io-results}
mkdir -p "$out" "$dir/s0" "$dir/s1"
teraio() { TERAIO_JAVA_OPTS="${TERAIO_JAVA_OPTS:--Xmx2g}" scripts/teraio "$@"; }

if ! command -v fio >/dev/null 2>&1; then
  echo "io-vs-fio: installing fio (apt-get install fio)" >&2
  (apt-get install -y -q fio >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q fio >/dev/null; })
fi
fio --version >&2
teraio --version | head -1 >&2
df -h "$dir" | tail -1 >&2

fio_one() { # MODE ENGINE BLOCK QD -> bytes/s
  fio --name="seq$1" --filename="$dir/fio.data" --size="$size" --bs="$3" --iodepth="$4" --ioengine="$2" \
      --direct=1 --rw="$1" --fallocate=native --output-format=json \
    | python3 -c "import json,sys; j=json.load(sys.stdin)['jobs'][0]; print(j['$1']['bw_bytes'])"
}
fio_job() { # ENGINE BLOCK QD -> "write read"
  rm -f "$dir/fio.data"
  local w r
  w=$(fio_one write "$1" "$2" "$3"); r=$(fio_one read "$1" "$2" "$3")
  rm -f "$dir/fio.data"
  echo "$w $r"
}
fio_laid_out() { # psync qd 1, the measured write over a file fio wrote just before -> "write -"
  rm -f "$dir/fio.data"
  fio_one write psync 1m 1 > /dev/null
  echo "$(fio_one write psync 1m 1) -"
  rm -f "$dir/fio.data"
}
bench_job() { # bench-io ARGS... -> "write read"
  teraio bench-io --size "$size" --json -q "$@" \
    | python3 -c "import json,sys; j=json.load(sys.stdin); print(j['writeBytesPerSecond'], j.get('readBytesPerSecond', '-'))"
}

jobs=(
  "fio-psync-qd1|fio_job psync 1m 1"
  "fio-libaio-qd1|fio_job libaio 1m 1"
  "fio-io_uring-qd1|fio_job io_uring 1m 1"
  "teraio-qd1|bench_job --dir $dir --block 1m --qd 1"
  "fio-libaio-qd8|fio_job libaio 4m 8"
  "fio-io_uring-qd8|fio_job io_uring 4m 8"
  "teraio-qd8|bench_job --dir $dir --block 4m --qd 8"
  "fio-libaio-qd32|fio_job libaio 4m 32"
  "fio-io_uring-qd32|fio_job io_uring 4m 32"
  "teraio-qd32|bench_job --dir $dir --block 4m --qd 32"
  "fio-psync-qd1-laid-out|fio_laid_out"
  "teraio-qd1-prewrite|bench_job --dir $dir --block 1m --qd 1 --prewrite --mode write"
  "teraio-1dir-qd8|bench_job --dir $dir/s0 --block 4m --qd 8"
  "teraio-2dirs-qd4x2|bench_job --dir $dir/s0 --dir $dir/s1 --block 4m --qd 4"
)

tsv="$out/io-vs-fio.tsv"
: > "$tsv"
for r in $(seq 1 "$rounds"); do
  order=$(seq 0 $((${#jobs[@]} - 1)))
  [ $((r % 2)) -eq 0 ] && order=$(seq $((${#jobs[@]} - 1)) -1 0)
  for i in $order; do
    name=${jobs[$i]%%|*} cmd=${jobs[$i]#*|}
    read -r w rd <<< "$($cmd)"
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$name" "$w" "$rd" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$tsv" >&2
  done
done
rmdir "$dir/s0" "$dir/s1" 2>/dev/null || true

python3 - "$tsv" "$size" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(lambda: ([], [], []))
by_round = collections.defaultdict(dict)  # round -> job -> (write, read)
for line in open(sys.argv[1]):
    r, name, w, rd, load = line.rstrip('\n').split('\t')
    rows[name][0].append(int(w))
    if rd != '-':
        rows[name][1].append(int(rd))
    rows[name][2].append(float(load))
    by_round[r][name] = (int(w), int(rd) if rd != '-' else None)
def paired(a, b, k):
    """teraio job a over fio job b round by round (the two ran close together): median, min, max."""
    v = sorted(x[a][k] / x[b][k] for x in by_round.values() if a in x and b in x and x[a][k] and x[b][k])
    return f"{statistics.median(v):.2f} ({v[0]:.2f}-{v[-1]:.2f})" if v else "-"
def med(name, k):
    v = rows[name][k]
    return statistics.median(v) if v else float('nan')
mib = lambda v: f"{v / 2**20:,.0f}"
loads = [l for v in rows.values() for l in v[2]]
n = max(len(v[0]) for v in rows.values())
print(f"\n{sys.argv[2]} per run, {n} rounds alternating, medians in MiB/s; 1-minute load {min(loads):.2f} to "
      f"{max(loads):.2f} (median {statistics.median(loads):.2f})\n")
print("| queue depth, block | mode | fio psync | fio libaio | fio io_uring | teraio bench-io | teraio / fio psync | teraio / fio's best | per round: teraio / that fio engine, median (min-max) |")
print("|---|---|---|---|---|---|---|---|---|")
for qd, block in ((1, "1 MiB"), (8, "4 MiB"), (32, "4 MiB")):
    for k, mode in ((0, "write"), (1, "read")):
        fio = {e: med(f"fio-{e}-qd{qd}", k) for e in ("psync", "libaio", "io_uring") if f"fio-{e}-qd{qd}" in rows}
        t = med(f"teraio-qd{qd}", k)
        best = max(fio.values())
        cell = lambda e: mib(fio[e]) if e in fio else "-"
        psync = f"{t / fio['psync']:.3f}" if 'psync' in fio else "-"
        versus = 'psync' if 'psync' in fio else max(fio, key=fio.get)
        print(f"| {qd}, {block} | {mode} | {cell('psync')} | {cell('libaio')} | {cell('io_uring')} | {mib(t)} | {psync}"
              f" | {t / best:.3f} | {versus}: {paired(f'teraio-qd{qd}', f'fio-{versus}-qd{qd}', k)} |")
f, t = med("fio-psync-qd1-laid-out", 0), med("teraio-qd1-prewrite", 0)
print(f"\nLaid out (the measured write overwrites written blocks), qd 1, 1 MiB: fio psync {mib(f)}, "
      f"teraio --prewrite {mib(t)} MiB/s: {t / f:.3f}; per round {paired('teraio-qd1-prewrite', 'fio-psync-qd1-laid-out', 0)}")
a, b = "teraio-1dir-qd8", "teraio-2dirs-qd4x2"
print(f"Striping, 4 MiB, 8 in flight: one directory write {mib(med(a, 0))} read {mib(med(a, 1))}; two directories "
      f"write {mib(med(b, 0))} read {mib(med(b, 1))} MiB/s: two / one = {med(b, 0) / med(a, 0):.3f} write, "
      f"{med(b, 1) / med(a, 1):.3f} read; per round {paired(b, a, 0)} write, {paired(b, a, 1)} read")
PY
