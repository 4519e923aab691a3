#!/usr/bin/env bash
# Where queue-depth-1 time goes, independent of how fast the (virtual) disk happens to be:
# `perf trace` records every 1 MiB pwrite64/pread64 of `teraio bench-io --qd 1` and of fio's
# psync engine (same size, fresh file, O_DIRECT), and this prints, per direction, the fraction of
# the run the thread spent inside the system call (the disk busy with our request) and the
# median and 90th percentile of the gap between one call's return and the next call.
# ROUNDS rounds, alternating teraio and fio. Needs perf (linux-perf) and permission to trace.
# Usage: benchmarks/scripts/io-gaps.sh [DIR] [JAR...]   (DIR default target/io-bench; each JAR is
#        a teraio.jar to compare, default teraio-cli/target/teraio.jar). Env: SIZE (512m), ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mkdir -p "${1:-target/io-bench}" && cd "${1:-target/io-bench}" && pwd)
shift || true
jars=("$@")
[ ${#jars[@]} -eq 0 ] && jars=(teraio-cli/target/teraio.jar)
size=${SIZE:-512m} rounds=${ROUNDS:-3}
[ -e teraio-cli/target/teraio.jar ] || scripts/teraio --version > /dev/null
trace=$(mktemp)
trap 'rm -f "$trace" "$dir/fio.data"' EXIT

gaps() { # a perf trace output -> one line per direction
  python3 - "$1" <<'PY'
import re, sys
calls = {}
for line in open(sys.argv[1]):
    m = re.search(r'^\s*([\d.]+) \(\s*([\d.]+) ms\): .*?(pread64|pwrite64)\(.*\)\s+= (\d+)', line)
    if m and int(m.group(4)) >= 1 << 20:
        calls.setdefault(m.group(3), []).append((float(m.group(1)), float(m.group(2))))
out = []
for name, what in (("pwrite64", "write"), ("pread64", "read")):
    v = sorted(calls.get(name, []))
    if len(v) < 2:
        continue
    span = v[-1][0] + v[-1][1] - v[0][0]
    gap = sorted(v[i + 1][0] - (v[i][0] + v[i][1]) for i in range(len(v) - 1))
    out.append(f"{what}: in the call {sum(d for _, d in v) / span:.3f} of the time, gap median "
               f"{gap[len(gap) // 2] * 1e3:.0f} us, p90 {gap[int(len(gap) * 0.9)] * 1e3:.0f} us")
print("; ".join(out))
PY
}

for r in $(seq 1 "$rounds"); do
  for jar in "${jars[@]}"; do
    perf trace -e pread64,pwrite64 -o "$trace" -- java -Xmx2g -jar "$jar" bench-io --dir "$dir" --size "$size" \
      --block 1m --qd 1 -q > /dev/null 2>&1
    echo "round $r, teraio ($jar): $(gaps "$trace")  load $(cut -d' ' -f1 /proc/loadavg)"
  done
  rm -f "$dir/fio.data"
  perf trace -e pread64,pwrite64 -o "$trace" -- sh -c "fio --name=w --filename='$dir/fio.data' --size=$size --bs=1m \
    --ioengine=psync --direct=1 --rw=write > /dev/null && fio --name=r --filename='$dir/fio.data' --size=$size \
    --bs=1m --ioengine=psync --direct=1 --rw=read > /dev/null" > /dev/null 2>&1
  echo "round $r, fio psync: $(gaps "$trace")  load $(cut -d' ' -f1 /proc/loadavg)"
done
