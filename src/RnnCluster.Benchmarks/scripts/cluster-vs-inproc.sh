#!/bin/bash
# Issue 4's speed target, interleaved: 3 processes on loopback (coordinator+ps, two workers each
# bound to its own CPU) against `train --workers 2` in one process, config b, checkpoints every 100.
# Usage (from the repository root, after `dotnet build -c Release src/RnnCluster.Cli`):
#   bash src/RnnCluster.Benchmarks/scripts/cluster-vs-inproc.sh [REPS=3] [STEPS=200]
# Needs ../shared/data/tinyshakespeare.txt beside the checkout.
set -u
REPS=${1:-3}; STEPS=${2:-200}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
R="dotnet $ROOT/src/RnnCluster.Cli/bin/Release/net10.0/rnncluster.dll"
CB="--corpus $ROOT/../shared/data/tinyshakespeare.txt --embed 64 --hidden 256 --layers 2 --seq 64 --batch 32 --micro-batches 2 --lr 4e-3 --plain --samples 0"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cluster() {
  $R node --roles coordinator,ps --port 4153 --db "$W/c.db" --run-id c3 --min-workers 2 --steps "$STEPS" --checkpoint-every 100 $CB > "$W/coord.log" 2>&1 &
  taskset -c 0 $R node --roles worker --port 4155 --seed akka.tcp://rnncluster@127.0.0.1:4153 > "$W/w1.log" 2>&1 &
  taskset -c 1 $R node --roles worker --port 4157 --seed akka.tcp://rnncluster@127.0.0.1:4153 > "$W/w2.log" 2>&1 &
  wait
  rm -f "$W"/c.db*
  grep -E "time per step|run=" "$W/coord.log"
}
inproc() {
  $R train --workers 2 --db "$W/i.db" --run-id i2 --steps "$STEPS" --checkpoint-every 100 $CB > "$W/inproc.log" 2>&1
  rm -f "$W"/i.db* "$W"/*.png
  grep -E "time per step|run=" "$W/inproc.log"
}
tps() { sed -nE 's/.*tokens_per_s=([0-9]+).*/\1/p'; }
for rep in $(seq 1 "$REPS"); do
  c=$(cluster); i=$(inproc)
  ct=$(echo "$c" | tps); it=$(echo "$i" | tps)
  echo "rep $rep: 3 processes $ct tokens/s | one process $it tokens/s | ratio $(awk -v a="$ct" -v b="$it" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
  echo "  3 processes:$(echo "$c" | grep 'time per step' | sed 's/.*time per step//')"
  echo "  one process:$(echo "$i" | grep 'time per step' | sed 's/.*time per step//')"
done
