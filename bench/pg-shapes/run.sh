#!/bin/bash
# What the shape of the appending statement costs PostgreSQL, without HTTP or Node:
#   bench/pg-shapes/run.sh [seconds] [rounds]     (BENCH_DATABASE_URL or TEST_DATABASE_URL; pgbench)
# Each variant (*.sql here) is one transaction of 20 play actions, 8 clients (one account each),
# run in turn on emptied tables; prints transactions/s and the CPU time of all postgres processes
# per action (sampled from /proc every 0.3 s: the server must run on this machine).
set -euo pipefail
cd "$(dirname "$0")"
url=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:?set BENCH_DATABASE_URL or TEST_DATABASE_URL}}
secs=${1:-10}; rounds=${2:-2}
node --import tsx schema.ts
sample() { for p in $(pgrep -x postgres); do awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done; }
for round in $(seq "$rounds"); do
  for v in current no-seq-table account-stream event-per-upload; do
    psql -q "$url" -c 'TRUNCATE shapes.events, shapes.streams, shapes.user_sequences, shapes.episode_states, shapes.episode_state_seqs' -c 'CHECKPOINT'
    samples=$(mktemp)
    sample > "$samples.first"
    ( while true; do sample >> "$samples"; sleep 0.3; done ) & sampler=$!
    out=$(pgbench -n -M prepared -c 8 -j 2 -T "$secs" -f "$v.sql" "$url" 2>&1)
    kill $sampler; wait $sampler 2>/dev/null || true
    sample >> "$samples"
    tx=$(grep -oP 'number of transactions actually processed: \K[0-9]+' <<< "$out")
    tps=$(grep -oP 'tps = \K[0-9.]+' <<< "$out" | head -1)
    # Ticks (1/100 s) per process: its last sample, less its first if it was already running.
    micros=$(awk 'NR == FNR { first[$1] = $2; next } { last[$1] = $2 } END { for (p in last) t += last[p] - (p in first ? first[p] : 0); print t * 10000 }' "$samples.first" "$samples")
    rm -f "$samples" "$samples.first"
    printf 'round %s  %-18s %8.0f tx/s  %6.1f µs PostgreSQL CPU per action\n' "$round" "$v" "$tps" "$(echo "$micros / ($tx * 20)" | bc -l)"
  done
done
