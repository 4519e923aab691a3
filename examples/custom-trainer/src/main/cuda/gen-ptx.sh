#!/usr/bin/env bash
# Regenerates src/main/resources/io/teraio/examples/custom/mlp_kernels.ptx from mlp_kernels.cu
# with clang (no CUDA SDK needed: apt-get install clang-16). The PTX is generated but committed,
# so the build and CI need no clang; run this after every change to mlp_kernels.cu and commit
# both (KernelPtxTest fails when the PTX's recorded sha256 is not the source's).
#   -ffp-contract=off  mul.rn + add.rn, never fma: the same rounding as CpuKernels' Java
#   sm_80              PTX the driver compiles for sm_80 and newer (A100, H100, H200)
set -euo pipefail
cd "$(dirname "$0")"
clang=${CLANG:-clang-16}
src=mlp_kernels.cu
out=../resources/io/teraio/examples/custom/mlp_kernels.ptx
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$clang" -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80 -O3 -ffp-contract=off \
  -Wall -Wextra -Werror -Wno-unknown-cuda-version -S -o "$tmp" "$src"
{
  echo "// GENERATED from src/main/cuda/$src by src/main/cuda/gen-ptx.sh ($("$clang" --version | head -1)); do not edit."
  echo "// source sha256 $(sha256sum "$src" | cut -d' ' -f1)"
  cat "$tmp"
} >"$out"
echo "gen-ptx: wrote $out ($(grep -c '^\.visible \.entry' "$out") kernels)"
