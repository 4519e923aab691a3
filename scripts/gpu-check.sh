#!/usr/bin/env bash
# Runs on a lent GPU machine, from the repository root, with gpu-carry/ made by
# scripts/gpu-prepare.sh (that machine has no JDK, no Maven and no network; docs/gpu.md):
#   1. finds libcufile.so.0 (the Python package nvidia-cufile) and reports the machine (doctor);
#   2. runs the GDS bridge's tests, the gpu-tagged ones included, on the real GPU;
#   3. trains the custom trainer's MLP with its CUDA kernels (compute cuda): its gpu-tagged test
#      (with and without offloading: the same losses; the CPU backend's within tolerance), then
#      teraio demo --workload custom --compute cuda;
#   4. measures device<->file throughput: cuFile vs pinned bounce buffers vs host O_DIRECT.
# Results go to stdout and to $GPU_CHECK_OUT (default: $OUT when the device tool sets it, else
# gpu-check-out/): doctor.json, tests.txt, custom-tests.txt, custom-demo.txt, custom-demo.json,
# bench.json.
# Knobs: GPU_CHECK_DIR (the directory files go in, default /tmp/teraio-gpu-check),
# GPU_CHECK_SIZE (bytes per benchmark path, default 4g), GPU_CHECK_DEMO_STEPS (steps of the custom
# demo, default 8), TERAIO_GDS_CUFILE_LIBRARY (skip the search).
set -uo pipefail
cd "$(dirname "$0")/.."
carry=${GPU_CARRY:-gpu-carry}
out=${GPU_CHECK_OUT:-${OUT:-gpu-check-out}}
dir=${GPU_CHECK_DIR:-/tmp/teraio-gpu-check}
size=${GPU_CHECK_SIZE:-4g}
demo_steps=${GPU_CHECK_DEMO_STEPS:-8}
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

echo "== the custom trainer on CUDA (compute cuda): its gpu-tagged test, then the demo ($demo_steps steps)"
"$java" -jar "$carry/junit-console.jar" execute --class-path "$carry/teraio.jar:$carry/test-classes/custom" \
  --select-class io.teraio.examples.custom.CudaTrainerGpuTest --select-class io.teraio.examples.custom.ComputeBackendTest \
  --details=tree --disable-banner 2>&1 | tee "$out/custom-tests.txt"
custom_tests=${PIPESTATUS[0]}
"$java" -jar "$carry/teraio.jar" demo --workload custom --compute cuda --iterations "$demo_steps" \
  --out "$dir/custom-demo" --dir "$dir/custom-offload" 2>&1 | tee "$out/custom-demo.txt"
custom_demo=${PIPESTATUS[0]}
cp "$dir/custom-demo/custom-demo.json" "$out/" 2>/dev/null
if [ "$custom_demo" -eq 2 ] && ! nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  # no GPU here (a local run): compute cuda refused with its reason, as it should
  echo "gpu-check: custom demo skipped: nvidia-smi lists no GPU"
  custom_demo=0
fi

echo "== device <-> file throughput ($size per path, 4 MiB blocks, queue depth 8)"
"$java" -jar "$carry/teraio.jar" bench-gds --dir "$dir" --size "$size" --block 4m --qd 8
bench=$?
"$java" -jar "$carry/teraio.jar" bench-gds --dir "$dir" --size "$size" --block 4m --qd 8 --json \
  >"$out/bench.json" 2>/dev/null
rm -rf "$dir"
echo "gpu-check: tests exit $tests, custom trainer tests exit $custom_tests, custom demo exit $custom_demo," \
  "bench exit $bench; results in $out/"
[ "$tests" -eq 0 ] && [ "$custom_tests" -eq 0 ] && [ "$custom_demo" -eq 0 ] && [ "$bench" -eq 0 ]
