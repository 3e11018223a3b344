#!/bin/bash
# Issue 17's one-thread comparison, interleaved: for each round and config (a, b, c, word level),
# ours on the AVX2 path, libtorch on AVX2, ours native, libtorch native. "AVX2" forces both sides:
# DOTNET_EnableAVX512=0 for us; ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS and ONEDNN_MAX_CPU_ISA
# for libtorch (ATen's knob alone leaves MKL's GEMM on AVX-512). On an AVX2-only host both
# columns run the same code. Prints one line per round and config; take the median of the rounds.
# Usage (from the repository root, after `dotnet build -c Release src/RnnCluster.Benchmarks`):
#   bash src/RnnCluster.Benchmarks/scripts/lstm-vs-libtorch.sh [ROUNDS=3] [HARNESS_DIR=/tmp/tsm]
# The harness: cp -r ../shared/bench/torchsharp-lstm /tmp/tsm && chmod -R u+w /tmp/tsm && dotnet build -c Release /tmp/tsm
set -u
ROUNDS=${1:-3}; HARNESS=${2:-/tmp/tsm}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OURS="$ROOT/src/RnnCluster.Benchmarks/bin/Release/net10.0/RnnCluster.Benchmarks.dll"
TORCH="$HARNESS/bin/Release/net10.0/LstmAnchor.dll"
DATA="$ROOT/../shared/data/tinyshakespeare.txt"
# name: E H L T B steps [vocabulary for word level]
CONFIGS=("a 32 128 1 64 32 80" "b 64 256 2 64 32 50" "c 64 512 2 128 64 25" "word 64 256 2 32 32 25 10000")
rate() { grep -o 'tokens_per_s=[0-9]*' | tail -1 | cut -d= -f2; }
cd "$ROOT"
for round in $(seq 1 "$ROUNDS"); do
  for config in "${CONFIGS[@]}"; do
    read -r name E H L T B S V <<< "$config"
    ours=(lstm --embed "$E" --hidden "$H" --layers "$L" --seq "$T" --batch "$B" --steps "$S")
    torch=(bench --threads 1 --E "$E" --H "$H" --L "$L" --T "$T" --B "$B" --steps "$S" --data "$DATA")
    if [ -n "${V:-}" ]; then ours+=(--tokens word --max-vocab "$V"); torch+=(--V "$V"); fi
    o2=$(DOTNET_EnableAVX512=0 dotnet "$OURS" "${ours[@]}" 2>&1 | rate)
    t2=$(ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 dotnet "$TORCH" "${torch[@]}" 2>&1 | rate)
    o5=$(dotnet "$OURS" "${ours[@]}" 2>&1 | rate)
    t5=$(dotnet "$TORCH" "${torch[@]}" 2>&1 | rate)
    echo "round=$round config=$name avx2_ours=$o2 avx2_torch=$t2 native_ours=$o5 native_torch=$t5"
  done
done
