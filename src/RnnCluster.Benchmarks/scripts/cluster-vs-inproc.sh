#!/bin/bash
# Issue 4's speed target, interleaved: 3 processes on loopback (coordinator+ps, two workers each
# bound to its own CPU) against `train --workers 2` in one process, config b, checkpoints every 100.
# Usage (from the repository root, after `dotnet build -c Release src/RnnCluster.Cli`):
#   bash src/RnnCluster.Benchmarks/scripts/cluster-vs-inproc.sh [REPS=3] [STEPS=200]
# Needs ../shared/data/tinyshakespeare.txt beside the checkout.
# TIMELINE=1 also traces every run (RNNCLUSTER_STEP_TRACE) and prints where its steps' time goes
# (scripts/step-timeline.py).
set -u
REPS=${1:-3}; STEPS=${2:-200}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
R="dotnet $ROOT/src/RnnCluster.Cli/bin/Release/net10.0/rnncluster.dll"
CB="--corpus $ROOT/../shared/data/tinyshakespeare.txt --embed 64 --hidden 256 --layers 2 --seq 64 --batch 32 --micro-batches 2 --lr 4e-3 --plain --samples 0"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
trace() { # NAME: trace the next run into $W/trace-NAME.PID when TIMELINE=1
  if [ "${TIMELINE:-0}" = 1 ]; then export RNNCLUSTER_STEP_TRACE="$W/trace-$1"; else unset RNNCLUSTER_STEP_TRACE; fi
}
timeline() { # NAME
  if [ "${TIMELINE:-0}" = 1 ]; then python3 "$ROOT/src/RnnCluster.Benchmarks/scripts/step-timeline.py" "$W/trace-$1".* | sed 's/^/    /'; rm -f "$W/trace-$1".*; fi
}
cluster() {
  trace cluster
  local started=$(date +%s.%N)
  $R node --roles coordinator,ps --port 4153 --db "$W/c.db" --run-id c3 --min-workers 2 --steps "$STEPS" --checkpoint-every 100 $CB > "$W/coord.log" 2>&1 &
  taskset -c 0 $R node --roles worker --port 4155 --seed akka.tcp://rnncluster@127.0.0.1:4153 > "$W/w1.log" 2>&1 &
  taskset -c 1 $R node --roles worker --port 4157 --seed akka.tcp://rnncluster@127.0.0.1:4153 > "$W/w2.log" 2>&1 &
  # Formation: from starting the three processes to the coordinator's "new run" line.
  until grep -q "new run" "$W/coord.log" 2>/dev/null || ! jobs -r | grep -q .; do sleep 0.05; done
  echo "formation $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  wait
  rm -f "$W"/c.db*
  grep -E "time per step|run=" "$W/coord.log"
}
inproc() {
  trace inproc
  $R train --workers 2 --db "$W/i.db" --run-id i2 --steps "$STEPS" --checkpoint-every 100 $CB > "$W/inproc.log" 2>&1
  rm -f "$W"/i.db* "$W"/*.png
  grep -E "time per step|run=" "$W/inproc.log"
}
tps() { sed -nE 's/.*tokens_per_s=([0-9]+).*/\1/p'; }
for rep in $(seq 1 "$REPS"); do
  c=$(cluster); i=$(inproc)
  ct=$(echo "$c" | tps); it=$(echo "$i" | tps)
  echo "rep $rep: 3 processes $ct tokens/s | one process $it tokens/s | ratio $(awk -v a="$ct" -v b="$it" 'BEGIN { printf "%.1f%%", 100 * a / b }') | $(echo "$c" | grep formation)"
  echo "  3 processes:$(echo "$c" | grep 'time per step' | sed 's/.*time per step//')"
  timeline cluster
  echo "  one process:$(echo "$i" | grep 'time per step' | sed 's/.*time per step//')"
  timeline inproc
done
