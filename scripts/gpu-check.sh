#!/usr/bin/env bash
# Runs on a lent GPU machine, from the repository root, with gpu-carry/ made by
# scripts/gpu-prepare.sh (that machine has no JDK, no Maven and no network; docs/gpu.md):
#   1. finds libcufile.so.0 (the Python package nvidia-cufile) and reports the machine (doctor);
#   2. runs the GDS bridge's tests, the gpu-tagged ones included, on the real GPU;
#   3. measures device<->file throughput: cuFile vs pinned bounce buffers vs host O_DIRECT.
# Results go to stdout and to $GPU_CHECK_OUT (default: $OUT when the device tool sets it, else
# gpu-check-out/): doctor.json, tests.txt, bench.json.
# Knobs: GPU_CHECK_DIR (the directory files go in, default /tmp/teraio-gpu-check),
# GPU_CHECK_SIZE (bytes per benchmark path, default 4g), TERAIO_GDS_CUFILE_LIBRARY (skip the search).
set -uo pipefail
cd "$(dirname "$0")/.."
carry=${GPU_CARRY:-gpu-carry}
out=${GPU_CHECK_OUT:-${OUT:-gpu-check-out}}
dir=${GPU_CHECK_DIR:-/tmp/teraio-gpu-check}
size=${GPU_CHECK_SIZE:-4g}
java="$carry/jre/bin/java"
if [ ! -x "$java" ] || [ ! -f "$carry/teraio.jar" ]; then
  echo "gpu-check: $carry/ is missing or incomplete; run scripts/gpu-prepare.sh first (docs/gpu.md)" >&2
  exit 2
fi
mkdir -p "$out" "$dir"

# libcufile.so.0 and the CUDA libraries live in the Python packages there (nvidia-cufile, ...).
if [ -z "${TERAIO_GDS_CUFILE_LIBRARY:-}" ]; then
  TERAIO_GDS_CUFILE_LIBRARY=$(python3 -c '
import glob, os, site, sys
roots = [p for p in site.getsitepackages() + [site.getusersitepackages()] + sys.path if p and os.path.isdir(p)]
for root in roots:
    found = sorted(glob.glob(os.path.join(root, "nvidia", "**", "libcufile.so.0"), recursive=True))
    if found:
        print(found[0])
        break
' 2>/dev/null || true)
fi
export TERAIO_GDS_CUFILE_LIBRARY
if [ -n "$TERAIO_GDS_CUFILE_LIBRARY" ]; then
  # libcufile's own dependencies (the CUDA runtime of the same packages) sit beside it or in nvidia/*/lib
  libdirs=$(dirname "$TERAIO_GDS_CUFILE_LIBRARY")
  nvroot=$(dirname "$(dirname "$TERAIO_GDS_CUFILE_LIBRARY")")
  for d in "$nvroot"/*/lib "$nvroot"/lib; do [ -d "$d" ] && libdirs="$libdirs:$d"; done
  export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
echo "gpu-check: libcufile: ${TERAIO_GDS_CUFILE_LIBRARY:-(not found in the Python packages: the system loader decides)}"
command -v nvidia-smi >/dev/null && nvidia-smi -L
"$java" -version 2>&1 | head -1

echo "== doctor"
"$java" -jar "$carry/teraio.jar" doctor --dir "$dir"
"$java" -jar "$carry/teraio.jar" doctor --dir "$dir" --json >"$out/doctor.json" 2>/dev/null

echo "== tests (the GDS bridge's, gpu-tagged included)"
cp="$carry/teraio.jar:$carry/test-classes/core:$carry/test-classes/gds"
"$java" -Dai.djl.offline=true -jar "$carry/junit-console.jar" execute --class-path "$cp" \
  --select-package io.teraio.gds --select-class io.teraio.core.engine.AutoBackendRoundTripTest \
  --details=tree --disable-banner 2>&1 | tee "$out/tests.txt"
tests=${PIPESTATUS[0]}

echo "== device <-> file throughput ($size per path, 4 MiB blocks, queue depth 8)"
"$java" -jar "$carry/teraio.jar" bench-gds --dir "$dir" --size "$size" --block 4m --qd 8
bench=$?
"$java" -jar "$carry/teraio.jar" bench-gds --dir "$dir" --size "$size" --block 4m --qd 8 --json \
  >"$out/bench.json" 2>/dev/null
rm -rf "$dir"
echo "gpu-check: tests exit $tests, bench exit $bench; results in $out/"
[ "$tests" -eq 0 ] && [ "$bench" -eq 0 ]
