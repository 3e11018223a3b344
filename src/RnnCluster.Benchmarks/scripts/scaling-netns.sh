#!/bin/bash
# Issue 16's scaling benchmark on one machine: a coordinator node and N worker nodes, each in its
# own network namespace, joined through a bridge by veth links shaped with
# `tc tbf` to R Mbit/s in both directions. Each worker's gradient computation is replaced by the
# benchmark-only stand-in (worker:stand-in-compute: wait COMPUTE_MS per micro-batch, emit a
# deterministic pseudo-gradient of the model's size), so N processes on a few cores measure the
# network and the server. Model: config b (E64 H256 L2, 874,881 parameters, M = 3.5 MB), global
# batch 128 as 16 micro-batches of 8 sequences. Prints
#   workers=N shards=S link_mbit=R step_ms=… comm_ms=… ring_bound_ms=… central_ps_bound_ms=…
# with comm_ms = step_ms − the slowest worker's compute, ring_bound = 2(N−1)/N·M/R and
# central_ps_bound = 2N·M/R. With S = 1 the coordinator's node holds the parameter server; with
# S > 1 the worker nodes have the ps role too and start first, so that Cluster Sharding places the
# S shards on them (one each for S = N) before the run begins.
# Needs root (ip netns, tc) and `dotnet build -c Release src/RnnCluster.Cli`.
# Usage (from the repository root):
#   sudo bash src/RnnCluster.Benchmarks/scripts/scaling-netns.sh [N=8] [S=1] [R=1000] [STEPS=30] [COMPUTE_MS=28]
# STEPS counts the coordinator's warm-up (10 steps, left out of its timings).
set -u
N=${1:-8}; S=${2:-1}; R=${3:-1000}; STEPS=${4:-30}; MS=${5:-28}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
CLI=(dotnet "$ROOT/src/RnnCluster.Cli/bin/Release/net10.0/rnncluster.dll")
CORPUS="$ROOT/../shared/data/tinyshakespeare.txt"
[ -f "$CORPUS" ] || CORPUS=""
W=$(mktemp -d)
TAG=$$
BR="rnb$TAG"
NS=()
cleanup() {
  pkill -P $$ 2>/dev/null
  for ns in "${NS[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del "$ns" 2>/dev/null; done
  ip link del "$BR" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
ip link add "$BR" type bridge && ip link set "$BR" up || exit 1
for i in $(seq 0 "$N"); do
  ns="rns$TAG-$i"; a="v${TAG}a$i"; b="v${TAG}b$i"
  ip netns add "$ns" && NS+=("$ns")
  ip link add "$a" type veth peer name "$b"
  ip link set "$b" netns "$ns"
  ip link set "$a" master "$BR" up
  ip netns exec "$ns" ip addr add "10.77.$((i / 250)).$((i % 250 + 1))/16" dev "$b"
  ip netns exec "$ns" ip link set "$b" up
  ip netns exec "$ns" ip link set lo up
  # Into the node (the bridge's side sends) and out of it (the node's side sends).
  tc qdisc add dev "$a" root tbf rate "${R}mbit" burst 256kb latency 100ms
  ip netns exec "$ns" tc qdisc add dev "$b" root tbf rate "${R}mbit" burst 256kb latency 100ms
done
ip_of() { echo "10.77.$(($1 / 250)).$(($1 % 250 + 1))"; }
SEED="akka.tcp://rnncluster@$(ip_of 0):4053"
MODEL=(--embed 64 --hidden 256 --layers 2 --seq 64 --batch 128 --micro-batches 16 --lr 2e-3 --steps "$STEPS")
if [ -n "$CORPUS" ]; then MODEL+=(--corpus "$CORPUS"); else MODEL+=(--dataset reber); fi
start_workers() { # $1: roles
  for i in $(seq 1 "$N"); do
    seed=$SEED; [ "$S" != 1 ] && [ "$i" = 1 ] && seed="akka.tcp://rnncluster@$(ip_of 1):4053"
    RNNCLUSTER_WORKER__STAND_IN_COMPUTE="${MS}ms" ip netns exec "rns$TAG-$i" "${CLI[@]}" node --roles "$1" \
      --host "$(ip_of "$i")" --port 4053 --seed "$seed" --db "$W/scale.db" --plain >"$W/worker-$i.log" 2>&1 &
    [ "$S" != 1 ] && [ "$i" = 1 ] && sleep 5
  done
}
JOIN=()
if [ "$S" = 1 ]; then
  ROLES=coordinator,ps
else
  ROLES=coordinator
  JOIN=(--seed "akka.tcp://rnncluster@$(ip_of 1):4053")
  SEED="akka.tcp://rnncluster@$(ip_of 1):4053"
  start_workers ps,worker
  for _ in $(seq 1 120); do [ "$(cat "$W"/worker-*.log 2>/dev/null | grep -c ' up with roles ')" -ge "$N" ] && break; sleep 1; done
fi
ip netns exec "rns$TAG-0" "${CLI[@]}" node --roles "$ROLES" --host "$(ip_of 0)" --port 4053 "${JOIN[@]}" --db "$W/scale.db" \
  --min-workers "$N" --run-id scale --plain --samples 0 --backup-tasks off --ps-shards "$S" "${MODEL[@]}" >"$W/coordinator.log" 2>&1 &
COORD=$!
[ "$S" = 1 ] && start_workers worker
wait "$COORD"; status=$?
if [ "$status" -ne 0 ] || ! grep -q "time per step" "$W/coordinator.log"; then
  echo "the run failed (exit $status):" >&2; tail -20 "$W/coordinator.log" >&2; exit 1
fi
line=$(grep "time per step" "$W/coordinator.log" | tail -1)
step=$(echo "$line" | sed -E 's/.*time per step ([0-9.]+) ms.*/\1/')
compute=$(echo "$line" | sed -E 's/.*compute ([0-9.]+) \(slowest.*/\1/')
echo "$line"
awk -v n="$N" -v s="$S" -v r="$R" -v step="$step" -v compute="$compute" 'BEGIN {
  m = 874881 * 4 * 8 / (r * 1e6) * 1000;   # one model copy over one link, ms
  printf "workers=%d shards=%d link_mbit=%d step_ms=%.1f comm_ms=%.1f ring_bound_ms=%.1f central_ps_bound_ms=%.1f\n",
    n, s, r, step, step - compute, 2 * (n - 1) / n * m, 2 * n * m }'
